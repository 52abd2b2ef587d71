"""The AWS side of a failover drill: who the writer is, and the one FailoverDBCluster call."""

from __future__ import annotations

from typing import Any

from proxyctl.aws.clients import Clients
from proxyctl.aws.errors import aws_errors
from proxyctl.errors import NotFoundError, ProxyctlError


def describe_cluster(c: Clients, cluster: str) -> dict[str, Any]:
    try:
        with aws_errors(f"describe the cluster {cluster}"):
            return dict(c.rds.describe_db_clusters(DBClusterIdentifier=cluster)["DBClusters"][0])
    except NotFoundError:
        raise NotFoundError(
            f"--db-cluster: no DB cluster {cluster!r} in {c.region}.",
            hint="List clusters with `aws rds describe-db-clusters`.",
            field="--db-cluster",
        ) from None


def writer_of(cluster: dict[str, Any]) -> str | None:
    members = cluster.get("DBClusterMembers", [])
    return next((m["DBInstanceIdentifier"] for m in members if m.get("IsClusterWriter")), None)


def current_writer(c: Clients, cluster: str) -> str | None:
    """The writer now, in one attempt with short timeouts: a drill polls it again soon."""
    with aws_errors(f"describe the cluster {cluster}"):
        found = c.rds_once.describe_db_clusters(DBClusterIdentifier=cluster)["DBClusters"]
    return writer_of(found[0]) if found else None


def fail_over(c: Clients, cluster: str, target_instance: str | None) -> str | None:
    """FailoverDBCluster, in one attempt (botocore would repeat it after a 5xx or a
    timeout). None when AWS accepted it; after an answer that does not say whether it
    did (a 5xx, a read timeout, a dropped connection), what happened, for the caller
    to watch the cluster instead of calling again. A clear refusal raises."""
    params: dict[str, Any] = {"DBClusterIdentifier": cluster}
    if target_instance:
        params["TargetDBInstanceIdentifier"] = target_instance
    try:
        with aws_errors(f"fail over the cluster {cluster}"):
            c.rds_once.failover_db_cluster(**params)
    except ProxyctlError as exc:
        if not _unclear(exc.__cause__):
            raise
        return _said(exc.__cause__)
    return None


def _said(cause: BaseException | None) -> str:
    """What the unclear answer was: "HTTP 500 InternalFailure", or the error."""
    from botocore import exceptions as bx
    from botocore.parsers import ResponseParserError

    if isinstance(cause, bx.ClientError):
        status = cause.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return f"HTTP {status} {cause.response.get('Error', {}).get('Code', '')}".rstrip()
    if isinstance(cause, ResponseParserError):  # an answer that is no AWS answer (an HTML 500)
        return "an unreadable answer: " + (str(cause).splitlines() or [""])[0][:200]
    return str(cause)


def _unclear(cause: BaseException | None) -> bool:
    """Whether the request may have been carried out although the call failed."""
    from botocore import exceptions as bx

    if isinstance(cause, bx.ClientError):
        status = cause.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        return int(status) >= 500
    from botocore.parsers import ResponseParserError

    return isinstance(cause, bx.ReadTimeoutError | bx.ConnectionClosedError | ResponseParserError)


def proxy_cluster(c: Clients, proxy: str) -> str | None:
    """The Aurora cluster a proxy fronts (its TRACKED_CLUSTER target), if any."""
    from proxyctl.aws.proxies import read_targets

    for target in read_targets(c.rds, proxy):
        if target.type == "TRACKED_CLUSTER":
            return target.cluster or target.target
    return None


def require_healthy_targets(c: Clients, proxy: str) -> None:
    from proxyctl.aws.proxies import read_targets
    from proxyctl.errors import ConnectionProblem
    from proxyctl.model.proxy import with_health

    bad = [t for t in with_health(read_targets(c.rds, proxy)) if t.state != "AVAILABLE"]
    if bad:
        first = bad[0]
        raise ConnectionProblem(
            f"preflight: the proxy's target {first.target} is {first.state}"
            + (f" ({first.reason}): {first.description}" if first.reason else "."),
            hint=first.hint or "Wait until the proxy's targets are AVAILABLE (proxyctl check).",
        )
