"""`--max-downtime`, `--max-downtime-direct`: the drill as a gate, judged from its
analysis alone. It fails closed: a limit on an endpoint that was not probed, or that
never recovered, is broken, and so is a drill in which nothing happened."""

from __future__ import annotations

from proxyctl.drill.samples import EndpointKind
from proxyctl.drill.timeline import Analysis, fmt_seconds

NO_FAILOVER = (
    "no failover observed: no endpoint failed or stalled and the writer did not change"
    " (--allow-no-failover passes such a drill)"
)


def gate(
    analysis: Analysis,
    max_downtime: float | None,
    max_downtime_direct: float | None,
    allow_no_failover: bool = False,
) -> list[str]:
    """The limits the drill broke, one sentence each; empty when it passed. An endpoint
    that was not probed, or never recovered, breaks its limit, and so does a drill in
    which nothing happened, unless allowed (the gate fails closed)."""
    broken: list[str] = []
    if max_downtime is None and max_downtime_direct is None:
        return broken
    if not analysis.failover_seen and not allow_no_failover:
        broken.append(NO_FAILOVER)
    limits = (
        (EndpointKind.PROXY, max_downtime, "--max-downtime"),
        (EndpointKind.DIRECT, max_downtime_direct, "--max-downtime-direct"),
    )
    for kind, limit, flag in limits:
        if limit is None:
            continue
        found = analysis.first_of(kind)
        if found is None or found.probes == 0:
            broken.append(f"{flag}: no {kind} endpoint was probed, so its downtime is unknown")
        elif not found.recovered and found.downtime is not None:
            broken.append(
                f"{found.endpoint}: not recovered after {fmt_seconds(found.downtime)}"
                f" ({flag} {fmt_seconds(limit)})"
            )
        elif found.downtime is not None and found.downtime > limit:
            broken.append(
                f"{found.endpoint}: {fmt_seconds(found.downtime)} unavailable,"
                f" more than {flag} {fmt_seconds(limit)}"
            )
    return broken
