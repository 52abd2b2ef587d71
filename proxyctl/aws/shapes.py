"""Two shapes every AWS service uses: tag lists, and policy documents sent as text."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from proxyctl.model.tags import stack_of


def tags_from_api(items: list[dict[str, str]] | None) -> dict[str, str]:
    """AWS's [{"Key": k, "Value": v}] tag lists as a mapping."""
    return {t["Key"]: t.get("Value", "") for t in items or [] if "Key" in t}


def document(value: Any) -> dict[str, Any]:
    """IAM returns policy documents URL-encoded; boto3 sometimes decodes them already."""
    if isinstance(value, str):
        return dict(json.loads(unquote(value)))
    return dict(value)


def stack_tag(items: list[dict[str, str]] | None) -> str | None:
    """The proxyctl:stack value of an AWS tag list, if any."""
    return stack_of(tags_from_api(items))
