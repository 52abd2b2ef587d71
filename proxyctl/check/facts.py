"""What the control-plane checks know about one proxy, read once from AWS (plain data).

proxyctl.aws.inspect fills these in; proxyctl.check.control judges them without
AWS. A secret's value is never kept: only whether it is JSON and has the keys.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

from proxyctl.provision.health import TargetHealth
from proxyctl.provision.model import POSTGRES_PORT

Document = dict[str, Any]


@dataclass
class AuthItem:
    """One `Auth` entry of the proxy (UserAuthConfigInfo)."""

    secret_arn: str | None
    iam_auth: str  # DISABLED | REQUIRED | ENABLED
    scheme: str = "SECRETS"
    client_password_auth: str | None = None
    description: str | None = None


@dataclass
class SubnetFacts:
    id: str
    az: str
    cidr: str | None = None


@dataclass
class PortRule:
    """One inbound permission of a security group: a source group or a CIDR, and ports."""

    group_id: str
    protocol: str  # "tcp", "6", "-1" (all), "udp"...
    from_port: int | None
    to_port: int | None
    source_group: str | None = None
    cidr: str | None = None  # IPv4 or IPv6

    def lets_in_tcp(self, port: int) -> bool:
        if self.protocol == "-1":
            return True
        if self.protocol not in ("tcp", "6"):
            return False
        low = 0 if self.from_port is None else self.from_port
        high = 65535 if self.to_port is None else self.to_port
        return low <= port <= high

    def covers_cidr(self, cidr: str) -> bool:
        """Whether this rule's range contains all of CIDR (same IP version only)."""
        if self.cidr is None:
            return False
        try:
            mine = ipaddress.ip_network(self.cidr, strict=False)
            theirs = ipaddress.ip_network(cidr, strict=False)
        except ValueError:
            return False
        if mine.version != theirs.version:
            return False
        return theirs.subnet_of(mine)  # type: ignore[arg-type]


@dataclass
class SecretFacts:
    arn: str
    exists: bool | None  # None: the caller may not describe it (see read_error)
    scheduled_for_deletion: bool = False
    # None: the value was not read (see read_error); never the value itself.
    is_json: bool | None = None
    has_username: bool = False
    has_password: bool = False
    username: str | None = None
    read_error: str | None = None
    kms_key_id: str | None = None  # as the secret names it (id, ARN or alias)
    kms_key_arn: str | None = None
    customer_managed_key: bool | None = None  # None: unknown (DescribeKey refused)
    key_policy: Document | None = None


@dataclass
class RoleFacts:
    arn: str
    name: str
    exists: bool
    trusts_rds: bool = False
    inline: dict[str, Document] = field(default_factory=dict)  # policy name -> document
    managed: dict[str, Document] = field(default_factory=dict)  # policy ARN -> default version
    read_error: str | None = None  # the caller may not read the role
    policy_error: str | None = None  # ... or may read the role but not its policies


@dataclass
class DatabaseFacts:
    """A database behind the proxy's targets."""

    identifier: str
    kind: str  # "cluster" | "instance"
    found: bool
    status: str = ""
    port: int = POSTGRES_PORT
    security_groups: list[str] = field(default_factory=list)


@dataclass
class ProxyFacts:
    """Everything the control-plane checks need about one proxy."""

    name: str
    arn: str
    region: str
    status: str
    require_tls: bool
    auth: list[AuthItem]
    role_arn: str
    vpc_id: str
    subnets: list[SubnetFacts]
    security_groups: list[str]
    targets: list[TargetHealth]
    secrets: list[SecretFacts]
    role: RoleFacts | None
    databases: list[DatabaseFacts]
    # Inbound rules by group id, for the proxy's groups and the databases' groups.
    rules: dict[str, list[PortRule]] = field(default_factory=dict)
    missing_groups: list[str] = field(default_factory=list)
    default_auth_scheme: str | None = None  # "IAM_AUTH": end-to-end IAM, no secrets

    def group_rules(self, groups: list[str]) -> list[PortRule]:
        return [rule for group in groups for rule in self.rules.get(group, [])]
