"""Secrets Manager and KMS reads as model records; a database password out of the
proxy's secrets (never shown); and teaching the redaction every secret value that
passes through a client (proxyctl.logs)."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from proxyctl.aws.errors import aws_errors
from proxyctl.aws.shapes import document, tags_from_api
from proxyctl.errors import NotFoundError, ProxyctlError
from proxyctl.logs import remember_secret
from proxyctl.model.iam import KmsKey, Secret, SecretShape
from proxyctl.model.tags import STACK_TAG

if TYPE_CHECKING:  # only for annotations: clients imports session, which imports secrets
    from proxyctl.aws.clients import Clients

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


def secret_from_api(meta: dict[str, Any]) -> Secret:
    return Secret(
        arn=meta["ARN"],
        name=meta.get("Name", ""),
        kms_key_id=meta.get("KmsKeyId"),
        tags=tags_from_api(meta.get("Tags")),
        owner=meta.get("OwningService"),
        scheduled_deletion=bool(meta.get("DeletedDate")),
    )


def read_secret(c: Clients, secret_id: str) -> Secret | None:
    """The secret with this ARN or name (its metadata, not its value), or None."""
    try:
        with aws_errors(f"describe the secret {secret_id}"):
            return secret_from_api(c.secrets.describe_secret(SecretId=secret_id))
    except NotFoundError:
        return None


def stack_secrets(c: Clients, stack: str) -> list[Secret]:
    """The secrets tagged proxyctl:stack=STACK, those scheduled for deletion included.

    Secrets Manager's filters match prefixes: callers compare the tag exactly."""
    filters = [
        {"Key": "tag-key", "Values": [STACK_TAG]},
        {"Key": "tag-value", "Values": [stack]},
    ]
    pages = c.secrets.get_paginator("list_secrets").paginate(
        Filters=filters, IncludePlannedDeletion=True
    )
    with aws_errors("list secrets"):
        return [secret_from_api(meta) for page in pages for meta in page["SecretList"]]


def secret_shape(c: Clients, arn: str) -> SecretShape:
    """Whether the value is JSON with username and password; the value itself is dropped."""
    with aws_errors(f"read the secret {arn}"):
        text = c.secrets.get_secret_value(SecretId=arn).get("SecretString")
    try:
        value = json.loads(text or "")
    except ValueError:
        value = None
    if not isinstance(value, dict):
        return SecretShape(is_json=False)
    username = value.get("username")
    return SecretShape(
        is_json=True,
        has_username=bool(username),
        has_password=bool(value.get("password")),
        username=username if isinstance(username, str) else None,
    )


def read_kms_key(c: Clients, key_id: str, *, policy: bool = False) -> KmsKey:
    """The key (IAM policies match its ARN, not a bare id); with POLICY, its default key
    policy when it is customer-managed (None when that read fails)."""
    with aws_errors(f"describe the KMS key {key_id}"):
        meta = c.kms.describe_key(KeyId=key_id)["KeyMetadata"]
    key = KmsKey(str(meta.get("Arn") or key_id), meta.get("KeyManager") != "AWS")
    if not (policy and key.customer_managed):
        return key
    try:
        with aws_errors(f"read the policy of the KMS key {key_id}"):
            text = c.kms.get_key_policy(KeyId=meta["KeyId"], PolicyName="default")["Policy"]
        return KmsKey(key.arn, True, document(text))
    except (ProxyctlError, ValueError):
        return key


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
