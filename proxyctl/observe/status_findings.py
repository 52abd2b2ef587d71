"""What `status` tells the user to look at, each finding with the command or setting
that helps. Pure: the proxy's records and its series in, findings out."""

from __future__ import annotations

import shlex
from collections.abc import Mapping

from proxyctl.model import findings as f
from proxyctl.model.findings import Finding
from proxyctl.model.metrics import Series
from proxyctl.model.proxy import BAD_PROXY_STATES, Proxy, TargetHealth
from proxyctl.observe.status_figures import divide, latency_text
from proxyctl.validate import duration_text

# A proxy whose database connections are this much pinned, over the window on average,
# is mostly relaying sessions one to one instead of multiplexing them.
PINNED_HIGH = 0.25
# Borrowed connections at this share of MaxDatabaseConnectionsAllowed in any minute:
# the next burst of clients waits for a connection, up to ConnectionBorrowTimeout.
POOL_HIGH = 0.8
# An average wait to borrow a database connection above this (microseconds) in any
# minute: clients queue for the pool (a healthy proxy borrows in well under 10 ms).
BORROW_SLOW_US = 100_000.0


def pinned(name: str, series: Mapping[str, Series]) -> Finding | None:
    shares = divide(
        series["DatabaseConnectionsCurrentlySessionPinned"].at(),
        series["DatabaseConnections"].at(),
    )
    if not shares:
        return None
    mean = sum(shares.values()) / len(shares)
    if mean < PINNED_HIGH:
        return f.ok("status.pinned", "metrics", f"{mean:.0%} of database connections pinned")
    return f.warn(
        "status.pinned",
        "metrics",
        f"{mean:.0%} of the database connections were pinned to one client on average: "
        "the proxy multiplexes little.",
        "Find the statements that pin sessions: "
        f"`proxyctl pinning --proxy {shlex.quote(name)}` reads what the proxy logged about "
        "them (add --from-db --user USER to read pg_stat_statements instead).",
        mean_share=round(mean, 4),
    )


def _pool_advice(pool: Mapping[str, object]) -> str:
    percent = pool.get("MaxConnectionsPercent", "?")
    timeout = pool.get("ConnectionBorrowTimeout", "?")
    wait = f"ConnectionBorrowTimeout (now {timeout} s) is how long a client waits for one"
    if percent == 100:
        return (
            "MaxConnectionsPercent is 100 already: the database's max_connections is the "
            f"limit (a larger instance class raises it); {wait}."
        )
    return (
        f"Raise MaxConnectionsPercent (now {percent}%) with `aws rds "
        f"modify-db-proxy-target-group`; {wait}."
    )


def pool_pressure(series: Mapping[str, Series], pool: Mapping[str, object]) -> Finding | None:
    used = divide(
        series["DatabaseConnectionsCurrentlyBorrowed"].at(),
        series["MaxDatabaseConnectionsAllowed"].at(),
    )
    waits = series["DatabaseConnectionsBorrowLatency"].at()
    if not used and not waits:
        return None
    peak = max(used.values(), default=0.0)
    slowest = max(waits.values(), default=0.0)
    if peak < POOL_HIGH and slowest < BORROW_SLOW_US:
        calm = f"pool at most {peak:.0%} in use" if used else "pool use: no data yet"
        if waits:
            calm += f"; borrow waits at most {latency_text(slowest)}"
        return f.ok("status.pool", "metrics", calm)
    said = []
    if peak >= POOL_HIGH:
        said.append(f"up to {peak:.0%} of the allowed database connections were borrowed")
    if slowest >= BORROW_SLOW_US:
        said.append(f"clients waited up to {latency_text(slowest)} on average to borrow one")
    return f.warn(
        "status.pool",
        "metrics",
        "The pool is under pressure: " + "; ".join(said) + ".",
        f"{_pool_advice(pool)} Pinned sessions hold connections too.",
        peak_share=round(peak, 4),
        slowest_borrow_us=slowest,
    )


def failed_sign_ins(name: str, series: Mapping[str, Series], span: float) -> Finding | None:
    counts = series["ClientConnectionsSetupFailedAuth"].at()
    total = sum(counts.values())
    if not counts or total == 0:
        return None
    quoted = shlex.quote(name)
    return f.warn(
        "status.failed_sign_ins",
        "metrics",
        f"{total:.0f} client sign-ins failed in the last {duration_text(span)}.",
        "With IAM auth the application's role needs rds-db:connect on this proxy: "
        f"`proxyctl grant {quoted} --role ROLE --db-user USER`; "
        f"`proxyctl check --proxy {quoted} --user USER` shows which step fails.",
        failed=total,
    )


def failed_database_connections(
    name: str, series: Mapping[str, Series], span: float
) -> Finding | None:
    counts = series["DatabaseConnectionsSetupFailed"].at()
    total = sum(counts.values())
    if not counts or total == 0:
        return None
    return f.warn(
        "status.failed_database_connections",
        "metrics",
        f"The proxy failed to open {total:.0f} database connections in the last "
        f"{duration_text(span)}.",
        "See the targets' health above; `proxyctl check --proxy "
        f"{shlex.quote(name)} --user USER` checks the secret, the role and the security groups.",
        failed=total,
    )


def no_data(series: Mapping[str, Series], span: float) -> Finding | None:
    if any(not s.empty for s in series.values()):
        return None
    return f.skip(
        "status.no_metrics",
        "metrics",
        f"No data yet: CloudWatch has no metrics for this proxy in the last "
        f"{duration_text(span)}. A proxy publishes most of them only after its first "
        "client connects; try a longer --since.",
    )


def health(proxy: Proxy, targets: list[TargetHealth]) -> list[Finding]:
    """The proxy's state and each target that is not AVAILABLE, with check's hint."""
    found = []
    if proxy.status in BAD_PROXY_STATES:
        found.append(
            f.fail(
                "status.proxy_state",
                "proxy",
                f"The proxy is {proxy.status}.",
                f"`proxyctl check --proxy {shlex.quote(proxy.name)} --user USER` says why.",
            )
        )
    for t in targets:
        if t.reported and t.state != "AVAILABLE":
            what = t.reason or "no reason given"
            found.append(
                f.warn(
                    "status.target",
                    "targets",
                    f"Target {t.target} is {t.state} ({what}).",
                    t.hint or "Wait for the target to register, then look again.",
                    target=t.target,
                )
            )
    return found


def findings(
    proxy: Proxy,
    targets: list[TargetHealth],
    pool: Mapping[str, object],
    series: Mapping[str, Series],
    span: float,
) -> list[Finding]:
    metric_findings = [
        no_data(series, span),
        pinned(proxy.name, series),
        pool_pressure(series, pool),
        failed_sign_ins(proxy.name, series, span),
        failed_database_connections(proxy.name, series, span),
    ]
    return health(proxy, targets) + [x for x in metric_findings if x is not None]
