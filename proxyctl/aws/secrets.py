"""Reading a database password out of the proxy's secrets (never shown), and teaching the
redaction every secret value that passes through a client (proxyctl.logs)."""

from __future__ import annotations

import json
import re
from typing import Any

from proxyctl.aws.clients import Clients
from proxyctl.aws.errors import aws_errors
from proxyctl.errors import NotFoundError
from proxyctl.logs import remember_secret

# Fields of a JSON secret string whose values are secrets themselves.
_SECRET_FIELD = re.compile(r"password|secret|token|key$", re.I)


def password_for(c: Clients, secret_arns: list[str], user: str) -> str:
    """The password in whichever of these secrets holds USER's credentials."""
    for arn in secret_arns:
        with aws_errors(f"read the secret {arn}"):
            text = c.secrets.get_secret_value(SecretId=arn).get("SecretString") or ""
        try:
            value = json.loads(text)
        except ValueError:
            continue
        if isinstance(value, dict) and value.get("username") == user and value.get("password"):
            return remember_secret(str(value["password"]))
    raise NotFoundError(
        f"--user: none of the proxy's secrets holds credentials for {user!r}.",
        hint="Pass --user with a user the proxy has a secret for, or use --auth iam.",
        field="--user",
    )


def remember_secret_string(text: Any) -> None:
    """A secret string, and the password (or key, token) fields inside it when it is JSON."""
    if not isinstance(text, str):
        return
    remember_secret(text)
    try:
        value = json.loads(text)
    except ValueError:
        return
    if isinstance(value, dict):
        for name, field in value.items():
            if isinstance(field, str) and _SECRET_FIELD.search(str(name)):
                remember_secret(field)


def _sent(params: dict[str, Any], **kwargs: Any) -> None:
    remember_secret_string(params.get("SecretString"))


def _received(parsed: dict[str, Any], **kwargs: Any) -> None:
    for item in [parsed, *parsed.get("SecretValues", [])]:
        remember_secret_string(item.get("SecretString"))
    remember_secret(parsed.get("RandomPassword"))


def remember_what_passes(client: Any, credentials: Any) -> None:
    """Remember the credentials' secret key and session token, and every secret value that
    CLIENT sends to or receives from Secrets Manager, wherever in proxyctl it is called."""
    if credentials is not None:
        frozen = credentials.get_frozen_credentials()
        remember_secret(frozen.secret_key)
        remember_secret(frozen.token)
    if client.meta.service_model.service_name == "secretsmanager":
        client.meta.events.register("before-parameter-build.secrets-manager", _sent)
        client.meta.events.register("after-call.secrets-manager", _received)
