"""The AWS side of a failover drill: who the writer is, and the one FailoverDBCluster call."""

from __future__ import annotations

from typing import Any

from proxyctl.aws.clients import Clients
from proxyctl.aws.errors import aws_errors
from proxyctl.errors import NotFoundError


def describe_cluster(c: Clients, cluster: str) -> dict[str, Any]:
    try:
        with aws_errors(f"describe the cluster {cluster}"):
            return dict(c.rds.describe_db_clusters(DBClusterIdentifier=cluster)["DBClusters"][0])
    except NotFoundError:
        raise NotFoundError(
            f"--cluster: no DB cluster {cluster!r} in {c.region}.",
            hint="List clusters with `aws rds describe-db-clusters`.",
            field="--cluster",
        ) from None


def writer_of(cluster: dict[str, Any]) -> str | None:
    members = cluster.get("DBClusterMembers", [])
    return next((m["DBInstanceIdentifier"] for m in members if m.get("IsClusterWriter")), None)


def current_writer(c: Clients, cluster: str) -> str | None:
    return writer_of(describe_cluster(c, cluster))


def fail_over(c: Clients, cluster: str, target_instance: str | None) -> None:
    """FailoverDBCluster, once: the caller makes sure it is never repeated."""
    params: dict[str, Any] = {"DBClusterIdentifier": cluster}
    if target_instance:
        params["TargetDBInstanceIdentifier"] = target_instance
    with aws_errors(f"fail over the cluster {cluster}"):
        c.rds.failover_db_cluster(**params)


def proxy_cluster(c: Clients, proxy: str) -> str | None:
    """The Aurora cluster a proxy fronts (its TRACKED_CLUSTER target), if any."""
    with aws_errors(f"describe the targets of {proxy}"):
        targets = c.rds.describe_db_proxy_targets(DBProxyName=proxy)["Targets"]
    for target in targets:
        if target.get("Type") == "TRACKED_CLUSTER":
            return str(target.get("TrackedClusterId") or target.get("RdsResourceId"))
    return None


def require_healthy_targets(c: Clients, proxy: str) -> None:
    from proxyctl.errors import ConnectionProblem
    from proxyctl.provision.health import targets_from_api

    with aws_errors(f"describe the targets of {proxy}"):
        items = c.rds.describe_db_proxy_targets(DBProxyName=proxy)["Targets"]
    bad = [t for t in targets_from_api(items) if t.state != "AVAILABLE"]
    if bad:
        first = bad[0]
        raise ConnectionProblem(
            f"preflight: the proxy's target {first.target} is {first.state}"
            + (f" ({first.reason}): {first.description}" if first.reason else "."),
            hint=first.hint or "Wait until the proxy's targets are AVAILABLE (proxyctl check).",
        )
