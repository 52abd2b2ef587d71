"""What the control-plane checks know about one proxy: the model records AWS gave, and
what could not be read (plain data).

proxyctl.check.read fills these in; proxyctl.check.control judges them without AWS. A
secret's value is never kept: only whether it is JSON and has the keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from proxyctl.model.database import POSTGRES_PORT
from proxyctl.model.iam import Document
from proxyctl.model.network import Rule, Subnet
from proxyctl.model.proxy import AuthEntry, Proxy, TargetHealth


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

    proxy: Proxy
    region: str
    subnets: list[Subnet]
    targets: list[TargetHealth]  # those AWS reports health for
    secrets: list[SecretFacts]
    role: RoleFacts | None
    databases: list[DatabaseFacts]
    # Inbound rules by group id, for the proxy's groups and the databases' groups.
    rules: dict[str, list[Rule]] = field(default_factory=dict)
    missing_groups: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.proxy.name

    @property
    def arn(self) -> str:
        return self.proxy.arn

    @property
    def status(self) -> str:
        return self.proxy.status

    @property
    def require_tls(self) -> bool:
        return bool(self.proxy.require_tls)

    @property
    def auth(self) -> list[AuthEntry]:
        return list(self.proxy.auth)

    @property
    def role_arn(self) -> str:
        return self.proxy.role_arn

    @property
    def vpc_id(self) -> str:
        return self.proxy.vpc_id

    @property
    def security_groups(self) -> list[str]:
        return list(self.proxy.security_groups)

    @property
    def default_auth_scheme(self) -> str | None:
        return self.proxy.default_auth_scheme

    def group_rules(self, groups: list[str]) -> list[Rule]:
        return [rule for group in groups for rule in self.rules.get(group, [])]
