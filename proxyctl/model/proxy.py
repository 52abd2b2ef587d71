"""An RDS Proxy as AWS describes it: its settings, auth entries, tags and targets' health."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from proxyctl.model.tags import stack_of

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
HINTS = {
    "UNREACHABLE": "The proxy cannot reach the database: allow TCP 5432 on the database's "
    "security group from the proxy's group, and check the subnets' routes and network ACLs.",
    "CONNECTION_FAILED": "The database refused the proxy's connection: check both security "
    "groups, that the database is available, and its connection limits.",
    "AUTH_FAILURE": "The proxy could not log in: the secret's username and password must match "
    "the database, and the proxy's role must be able to read the secret (and decrypt its KMS "
    "key).",
    "PENDING_PROXY_CAPACITY": "The proxy is still adding capacity: wait and check again.",
    "INVALID_REPLICATION_STATE": "The target's replication is not in a usable state: check the "
    "cluster's instances in the RDS console or with `aws rds describe-db-instances`.",
    "PROMOTED": "The instance was promoted in a failover: the proxy moves to the new writer "
    "by itself.",
}
BAD_PROXY_STATES = {"incompatible-network", "insufficient-resource-limits", "suspended"}


@dataclass(frozen=True)
class AuthEntry:
    """One way in through the proxy: a secret, IAM, or both (an `Auth` entry)."""

    secret_arn: str | None = None
    iam_auth: str = "DISABLED"  # DISABLED | REQUIRED | ENABLED
    scheme: str = "SECRETS"
    client_password_auth: str | None = None
    description: str | None = None
    user_name: str | None = None

    def as_api(self) -> dict[str, str]:
        """The entry in ModifyDBProxy's UserAuthConfig names (members AWS gave only)."""
        values = (
            self.description,
            self.user_name,
            self.scheme,
            self.secret_arn,
            self.iam_auth,
            self.client_password_auth,
        )
        return {k: v for k, v in zip(AUTH_KEYS, values, strict=True) if v is not None}


@dataclass(frozen=True)
class Proxy:
    name: str
    arn: str = ""
    endpoint: str = ""
    status: str = "unknown"
    engine_family: str = ""
    vpc_id: str = ""
    subnets: tuple[str, ...] = ()
    security_groups: tuple[str, ...] = ()
    role_arn: str = ""
    auth: tuple[AuthEntry, ...] = ()
    # The settings init compares with its spec (None: AWS did not say).
    require_tls: bool | None = None
    idle_client_timeout: int | None = None
    debug_logging: bool | None = None
    default_auth_scheme: str | None = None  # "IAM_AUTH": end-to-end IAM, no secrets
    tags: Mapping[str, str] | None = None  # None: not read

    @property
    def stack(self) -> str | None:
        """The proxyctl:stack tag: which init run made the proxy, if any."""
        return stack_of(self.tags)

    @property
    def iam_auth(self) -> str:
        """REQUIRED when any of its auth entries requires IAM."""
        return "REQUIRED" if any(a.iam_auth == "REQUIRED" for a in self.auth) else "DISABLED"

    @property
    def secret_arns(self) -> list[str]:
        return [a.secret_arn for a in self.auth if a.secret_arn]

    @property
    def resource_id(self) -> str:
        """The prx-... id at the end of the ARN, for rds-db:connect resources."""
        return self.arn.rsplit(":", 1)[-1]


@dataclass(frozen=True)
class TargetHealth:
    """One of a proxy's targets (DescribeDBProxyTargets) and how the proxy sees it."""

    target: str  # the RDS resource id, or the endpoint
    role: str = "UNKNOWN"
    state: str = "REGISTERING"
    reason: str | None = None
    description: str | None = None
    type: str = "RDS_INSTANCE"  # TRACKED_CLUSTER | RDS_INSTANCE | RDS_SERVERLESS_ENDPOINT
    cluster: str | None = None  # the Aurora cluster it belongs to
    # AWS reports no health for a tracked cluster itself: its instances carry it.
    reported: bool = True

    @property
    def hint(self) -> str | None:
        return HINTS.get(self.reason or "")

    @property
    def settled_bad(self) -> bool:
        """UNAVAILABLE for a reason that waiting will not cure."""
        return self.state == "UNAVAILABLE" and self.reason != "PENDING_PROXY_CAPACITY"


@dataclass(frozen=True)
class TargetGroup:
    """A proxy's target group: its connection pool settings (ConnectionPoolConfig)."""

    name: str
    pool: Mapping[str, object] = field(default_factory=dict)


def with_health(targets: list[TargetHealth]) -> list[TargetHealth]:
    """The targets whose health AWS reports (not the tracked cluster itself)."""
    return [t for t in targets if t.reported]


def registered_databases(targets: list[TargetHealth]) -> list[tuple[str, str]]:
    """(identifier, "cluster" | "instance") of each database behind the targets, once."""
    seen: dict[str, str] = {}
    for t in targets:
        cluster = t.cluster or (t.target if t.type == "TRACKED_CLUSTER" else None)
        if cluster:
            seen.setdefault(cluster, "cluster")
        elif t.type == "RDS_INSTANCE" and t.target:
            seen.setdefault(t.target, "instance")
    return list(seen.items())


def summary(proxy_status: str, targets: list[TargetHealth]) -> str:
    states = ", ".join(f"{t.target} {t.state}" for t in targets) or "no targets yet"
    return f"proxy {proxy_status}; {states}"


@dataclass(frozen=True)
class ProxyEndpoint:
    """One of a proxy's endpoints (DescribeDBProxyEndpoints): the default one, or an extra
    one that serves reads (READ_ONLY) or writes, perhaps in another VPC."""

    name: str
    host: str
    role: str = "READ_WRITE"  # TargetRole: READ_WRITE | READ_ONLY
    status: str = "unknown"
    default: bool = False
    vpc_id: str = ""
