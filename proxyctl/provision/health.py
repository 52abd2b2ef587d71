"""Target health of a proxy, read as a verdict with a hint (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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


@dataclass
class TargetHealth:
    target: str
    role: str
    state: str
    reason: str | None
    description: str | None

    @property
    def hint(self) -> str | None:
        return HINTS.get(self.reason or "")

    @property
    def settled_bad(self) -> bool:
        """UNAVAILABLE for a reason that waiting will not cure."""
        return self.state == "UNAVAILABLE" and self.reason != "PENDING_PROXY_CAPACITY"


def targets_from_api(items: list[dict[str, Any]]) -> list[TargetHealth]:
    health = []
    for item in items:
        if item.get("Type") == "TRACKED_CLUSTER" and "TargetHealth" not in item:
            continue  # its instances carry the health
        state = item.get("TargetHealth", {})
        health.append(
            TargetHealth(
                target=item.get("RdsResourceId") or item.get("Endpoint", "?"),
                role=item.get("Role", "UNKNOWN"),
                state=state.get("State", "REGISTERING"),
                reason=state.get("Reason"),
                description=state.get("Description"),
            )
        )
    return health


def summary(proxy_status: str, targets: list[TargetHealth]) -> str:
    states = ", ".join(f"{t.target} {t.state}" for t in targets) or "no targets yet"
    return f"proxy {proxy_status}; {states}"
