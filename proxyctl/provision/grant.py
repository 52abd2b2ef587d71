"""What `grant` writes: the rds-db:connect policy for one proxy and user (pure)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any, ClassVar

from proxyctl.errors import UsageError
from proxyctl.provision import policies

POLICY_PREFIX = "proxyctl-connect-"
POLICY_NAME_MAX = 128  # IAM's limit for an inline policy name
_POLICY_NAME = re.compile(r"^[\w+=,.@-]+$")
_ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")
_PROXY_ARN = re.compile(
    r"^arn:(?P<partition>aws[a-z-]*):rds:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):"
    r"db-proxy:(?P<resource_id>prx-[a-z0-9]+)$"
)


@dataclass
class ProxyArn:
    partition: str
    region: str
    account: str
    resource_id: str  # the prx-... id that rds-db:connect resources use

    @classmethod
    def parse(cls, arn: str, field: str = "NAME") -> ProxyArn:
        found = _PROXY_ARN.match(arn)
        if found is None:
            raise UsageError(
                f"{field}: {arn!r} is not an RDS Proxy ARN.",
                hint="Give the proxy's name, or arn:aws:rds:REGION:ACCOUNT:db-proxy:prx-ID.",
                field=field,
            )
        return cls(**found.groupdict())


def is_arn(name: str) -> bool:
    return name.startswith("arn:")


def role_name(value: str) -> str:
    """The role's name, also from a role ARN (arn:aws:iam::ACCOUNT:role/PATH/NAME)."""
    name = value.rsplit("/", 1)[-1] if value.startswith("arn:") else value
    if not _ROLE_NAME.match(name):
        raise UsageError(
            f"--role: {value!r} is not an IAM role name.",
            hint="Give the name of the application's IAM role (letters, digits and +=,.@_-, "
            "at most 64 characters), or its ARN.",
            field="--role",
        )
    return name


def policy_name(proxy: str, user: str) -> str:
    """proxyctl-connect-PROXY-USER, fitted to IAM's rules.

    A user name with characters IAM does not allow in policy names, or a name over
    128 characters, gets a short hash of the original so that two users never
    share (and overwrite) one policy.
    """
    name = f"{POLICY_PREFIX}{proxy}-{user}"
    if _POLICY_NAME.match(name) and len(name) <= POLICY_NAME_MAX:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    safe = re.sub(r"[^\w+=,.@-]", "_", name)
    return f"{safe[: POLICY_NAME_MAX - len(digest) - 1]}-{digest}"


@dataclass
class Grant:
    """The inline policy that lets ROLE connect through the proxy as DB_USER."""

    KIND: ClassVar[str] = "grant"
    proxy: str
    role: str | None
    db_user: str
    policy_name: str
    resource: str
    policy: dict[str, Any]
    change: str  # added | updated | unchanged | printed

    def text(self) -> str:
        if self.change == "printed":
            return json.dumps(self.policy, indent=2) + "\n"
        said = {
            "added": "Granted",
            "updated": "Granted (policy updated)",
            "unchanged": "Already granted",
        }
        return (
            f"{said.get(self.change, 'Granted')}: rds-db:connect through RDS Proxy {self.proxy} "
            f"as {self.db_user}\n"
            f"  role:     {self.role}\n"
            f"  policy:   {self.policy_name} (inline)\n"
            f"  resource: {self.resource}\n"
        )


def build_grant(proxy: str, arn: ProxyArn, user: str, role: str | None) -> Grant:
    resource = policies.connect_resource(
        arn.partition, arn.region, arn.account, arn.resource_id, user
    )
    return Grant(
        proxy=proxy,
        role=role,
        db_user=user,
        policy_name=policy_name(proxy, user),
        resource=resource,
        policy=policies.connect_policy([resource]),
        change="printed",
    )
