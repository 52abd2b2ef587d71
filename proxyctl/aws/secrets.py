"""Reading a database password out of the proxy's secrets (never shown)."""

from __future__ import annotations

import json

from proxyctl.aws.clients import Clients
from proxyctl.aws.errors import aws_errors
from proxyctl.errors import NotFoundError


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
            return str(value["password"])
    raise NotFoundError(
        f"--user: none of the proxy's secrets holds credentials for {user!r}.",
        hint="Pass --user with a user the proxy has a secret for, or use --auth iam.",
        field="--user",
    )
