"""IAM roles, Secrets Manager secrets and KMS keys, as far as proxyctl reads them.

A secret's value is never kept: only its shape (JSON, which keys, the username).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from proxyctl.model.tags import stack_of

Document = dict[str, Any]


def trust_policy() -> Document:
    """The trust policy that lets RDS Proxy assume a role."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "rds.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }


def trusts_rds(document: Mapping[str, Any]) -> bool:
    """Whether a trust policy lets rds.amazonaws.com assume the role."""
    statements = document.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    for statement in statements:
        if statement.get("Effect") != "Allow":
            continue
        actions = statement.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        services = statement.get("Principal", {}).get("Service", [])
        services = [services] if isinstance(services, str) else services
        if "sts:AssumeRole" in actions and "rds.amazonaws.com" in services:
            return True
    return False


@dataclass(frozen=True)
class Role:
    name: str
    arn: str
    trust_policy: Document = field(default_factory=dict)
    tags: Mapping[str, str] | None = None
    # The policies, when read (aws.roles.with_policies): inline names and documents,
    # attached managed policy ARNs and their default versions' documents.
    inline_names: tuple[str, ...] = ()
    inline: Mapping[str, Document] = field(default_factory=dict)
    attached: tuple[str, ...] = ()
    managed: Mapping[str, Document] = field(default_factory=dict)

    @property
    def stack(self) -> str | None:
        return stack_of(self.tags)

    @property
    def trusts_rds(self) -> bool:
        return trusts_rds(self.trust_policy)


@dataclass(frozen=True)
class Secret:
    arn: str
    name: str = ""
    kms_key_id: str | None = None  # as the secret names it (id, ARN or alias)
    tags: Mapping[str, str] | None = None
    owner: str | None = None  # OwningService: "rds" for an RDS-managed secret
    scheduled_deletion: bool = False

    @property
    def stack(self) -> str | None:
        return stack_of(self.tags)


@dataclass(frozen=True)
class SecretShape:
    """What a secret's value looks like; never the value itself."""

    is_json: bool
    has_username: bool = False
    has_password: bool = False
    username: str | None = None


@dataclass(frozen=True)
class KmsKey:
    arn: str
    customer_managed: bool
    policy: Document | None = None  # the default key policy, when read
