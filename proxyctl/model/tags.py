"""The tag that marks what `init` made: proxyctl:stack=NAME."""

from __future__ import annotations

from collections.abc import Mapping

STACK_TAG = "proxyctl:stack"


def stack_of(tags: Mapping[str, str] | None) -> str | None:
    """The proxyctl:stack tag's value: which init run made the resource, if any."""
    return (tags or {}).get(STACK_TAG)
