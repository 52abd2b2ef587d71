"""Before anything is triggered: the cluster can fail over, the proxy's targets are
healthy and every endpoint answers a probe as the drill would make it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from proxyctl.drill.options import Where
from proxyctl.drill.samples import Endpoint
from proxyctl.errors import ConnectionProblem, UsageError
from proxyctl.model.probe import ProbeSample


def preflight(where: Where, probe_timeout: float, make_endpoint: Callable[[Endpoint], Any]) -> None:
    from proxyctl.aws import failover

    if where.cluster is not None:
        _check_cluster(where.cluster)
    if where.proxy_name is not None:
        failover.require_healthy_targets(where.clients, where.proxy_name)
    for endpoint in where.endpoints:
        sample = first_sample(make_endpoint(endpoint), probe_timeout)
        if not sample.ok:
            raise ConnectionProblem(
                f"preflight: {endpoint.label} ({endpoint.host}:{endpoint.port}) does not answer a "
                f"probe: {sample.error_class}: {sample.message}",
                hint="Run proxyctl check on that endpoint to see why.",
            )


def _check_cluster(cluster: dict[str, Any]) -> None:
    from proxyctl.aws import failover

    name, members = cluster["DBClusterIdentifier"], cluster.get("DBClusterMembers", [])
    if cluster.get("Status") != "available":
        raise ConnectionProblem(f"the cluster {name} is {cluster.get('Status')}, not available.")
    if len(members) < 2:
        raise UsageError(
            f"--db-cluster: {name} has {len(members)} instance: a failover needs a second "
            "one to promote.",
            hint="Add a reader (aws rds create-db-instance --db-cluster-identifier ...) first.",
            field="--db-cluster",
        )
    if failover.writer_of(cluster) is None:
        raise ConnectionProblem(f"the cluster {name} has no known writer.")


def first_sample(endpoint: Any, timeout: float) -> ProbeSample:
    """One probe of ENDPOINT (a db.probe.Endpoint), as the drill would make it."""
    from queue import Queue

    from proxyctl.db.probe import Prober

    samples: Queue[ProbeSample] = Queue()
    prober = Prober(endpoint, samples.put, interval=max(2 * timeout, 1.0), probe_timeout=timeout)
    prober.start()
    try:
        return samples.get(timeout=timeout + 10)
    finally:
        prober.stop()
