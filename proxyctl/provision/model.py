"""What discovery found in AWS, as plain data for the pure planning functions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

POSTGRES_PORT = 5432
# The members of ModifyDBProxy's UserAuthConfig; DescribeDBProxies' Auth entries have
# the same names.
AUTH_KEYS = (
    "Description",
    "UserName",
    "AuthScheme",
    "SecretArn",
    "IAMAuth",
    "ClientPasswordAuthType",
)


@dataclass
class Subnet:
    id: str
    az: str


@dataclass
class Database:
    """An Aurora PostgreSQL cluster or an RDS PostgreSQL instance."""

    identifier: str
    kind: str  # "cluster" | "instance"
    engine: str
    status: str
    vpc_id: str
    vpc_cidr: str | None
    subnets: list[Subnet]
    security_groups: list[str]
    iam_auth: bool
    master_username: str
    managed_secret_arn: str | None
    managed_secret_kms_key: str | None
    endpoint: str
    port: int = POSTGRES_PORT
    writer: str | None = None
    readers: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        kind = "Aurora cluster" if self.kind == "cluster" else "RDS instance"
        return f"{self.identifier} ({kind}, {self.engine}, {self.status})"


@dataclass
class SecretInfo:
    arn: str
    name: str
    kms_key_id: str | None
    # True unless the key is known to be AWS-managed (aws/secretsmanager).
    customer_managed_key: bool
    stack: str | None = None  # the proxyctl:stack tag, when init created it


@dataclass
class RoleInfo:
    arn: str
    name: str
    trusts_rds: bool
    stack: str | None
    policies: dict[str, Any] = field(default_factory=dict)  # inline policy name -> document


@dataclass
class IngressRule:
    """One TCP rule on a security group: a source group or a CIDR."""

    group_id: str
    port: int
    source_group: str | None = None
    cidr: str | None = None
    exact: bool = False  # TCP on that port alone (not a range, not all traffic)
    description: str = ""


@dataclass
class ProxyInfo:
    name: str
    arn: str
    endpoint: str
    status: str
    stack: str | None
    subnets: list[str]
    security_groups: list[str]
    pool: dict[str, Any] = field(default_factory=dict)
    targets: list[str] = field(default_factory=list)  # registered cluster/instance ids
    # The settings init compares with the spec (None: AWS did not say).
    require_tls: bool | None = None
    idle_client_timeout: int | None = None
    debug_logging: bool | None = None
    auth: list[dict[str, Any]] = field(default_factory=list)  # DescribeDBProxies' Auth
    role_arn: str = ""
    engine_family: str = ""
    vpc_id: str = ""

    @property
    def resource_id(self) -> str:
        """The prx-... id at the end of the ARN, for rds-db:connect resources."""
        return self.arn.rsplit(":", 1)[-1]


@dataclass
class Discovery:
    """Everything planning needs to know about the account, read once."""

    region: str
    account: str
    partition: str
    database: Database
    secret: SecretInfo | None  # the chosen secret (managed or existing); None for a new one
    role: RoleInfo | None  # the stack's role (or --role-arn's), when it exists
    proxy_group: str | None  # the proxy security group by init's name, when it exists
    rules: list[IngressRule]  # 5432 rules on the proxy and database groups
    proxy: ProxyInfo | None  # the proxy of that name, when it exists
    subnets: list[Subnet] = field(default_factory=list)  # the ones the proxy will use
    new_secret_arn: str | None = None  # the stack's secret from an earlier run
    # The proxyctl:stack tags of proxy_group and of the secret named like new_secret_arn's:
    # init reuses them only when they carry this stack's name.
    proxy_group_stack: str | None = None
    new_secret_stack: str | None = None
