"""The verdict and its reasons, each tied to a figure of the evidence.

recommended: a reason that a proxy fixes a present problem (connections near the
limit). likely useful: a reason it helps (failover, connections over half the
limit). little benefit: neither; a proxy then adds a hop and a bill.
"""

from __future__ import annotations

from dataclasses import dataclass

from proxyctl.advise.evidence import Evidence

RECOMMENDED, LIKELY, LITTLE = "recommended", "likely useful", "little benefit"
NOTE = "note"  # a fact that weighs neither way on its own
_RANK = {RECOMMENDED: 2, LIKELY: 1, LITTLE: 0, NOTE: -1}
# DNS failover as clients see it (the writer endpoint's record, then client caches).
DNS_FAILOVER = "30-60 s"


@dataclass(frozen=True)
class Reason:
    weight: str  # the verdict this reason alone would give
    text: str


def _connections(ev: Evidence) -> list[Reason]:
    conn = ev.connections
    if conn is None:
        return []
    if conn.peak is None:
        return [Reason(NOTE, f"no DatabaseConnections data over {conn.since} in CloudWatch")]
    limit = f"{conn.limit.value:,}" if conn.limit.value else "an unknown limit"
    said = f"peak {conn.peak:,.0f} of {limit} connections over {conn.since}"
    share = conn.share
    if share is None:
        return [Reason(LITTLE, f"{said}; max_connections unknown, so no share")]
    if share >= 0.8:
        return [Reason(RECOMMENDED, f"{said} ({share:.0%}): a proxy caps and shares them")]
    if share >= 0.5:
        return [Reason(LIKELY, f"{said} ({share:.0%}): pooling keeps the headroom")]
    return [Reason(LITTLE, f"{said} ({share:.0%}): plenty of headroom without a proxy")]


def _failover(ev: Evidence) -> list[Reason]:
    if ev.kind == "cluster" and ev.readers:
        where = f"{ev.readers} reader(s) to fail over to"
    elif ev.multi_az:
        where = "Multi-AZ standby"
    else:
        return [Reason(LITTLE, "no reader and no Multi-AZ standby: no failover to speed up")]
    return [
        Reason(
            LIKELY,
            f"{where}: clients of the writer endpoint wait for DNS ({DNS_FAILOVER}); "
            "a proxy keeps its endpoint and reconnects to the new writer itself",
        )
    ]


def _auth(ev: Evidence) -> list[Reason]:
    iam = "on" if ev.iam_auth else "off"
    rotation = "RDS-managed (rotates)" if ev.managed_secret else "not RDS-managed"
    return [
        Reason(
            NOTE,
            f"IAM database auth {iam}; master secret {rotation}: a proxy "
            "can take IAM tokens from clients and keep passwords in Secrets Manager",
        )
    ]


def _lambdas(ev: Evidence) -> list[Reason]:
    found = ev.lambdas
    if found is None or not found.functions:
        return []
    most = found.most
    reach = f"up to {most:,} concurrent executions" if most else "the account's concurrency"
    return [
        Reason(
            RECOMMENDED,
            f"{len(found.functions)} Lambda function(s) in its VPC with {reach} reach its "
            "endpoints directly: each execution opens its own connection",
        )
    ]


def _activity(ev: Evidence) -> list[Reason]:
    act = ev.activity
    if act is None or not act.total:
        return []
    reasons = []
    idle = act.idle / act.total
    said = f"{act.idle} of {act.total} connections idle now ({idle:.0%}, pg_stat_activity)"
    if act.total >= 20 and idle >= 0.5:
        reasons.append(Reason(LIKELY, f"{said}: a proxy would share them"))
    else:
        reasons.append(Reason(NOTE, said))
    young = act.young / act.total
    churn = f"{act.young} of {act.total} connections started under 60 s ago ({young:.0%})"
    if act.young >= 5 and young >= 0.3:
        reasons.append(Reason(LIKELY, f"{churn}: connection churn a proxy absorbs"))
    if act.pinning_calls:
        rules = ", ".join(act.pin_rules)
        reasons.append(
            Reason(
                NOTE,
                f"pinning risk: {act.pinning_calls:,} of {act.calls:,} statement calls in "
                f"pg_stat_statements pin a proxy session ({rules}): "
                "run `proxyctl pinning --from-db` for the fixes",
            )
        )
    return reasons


def _proxies(ev: Evidence) -> list[Reason]:
    return [
        Reason(LITTLE, f"already behind the RDS proxy {name} ({status}): a second adds little")
        for name, status in ev.proxies
    ]


def decide(ev: Evidence) -> tuple[str, list[Reason]]:
    """The verdict and every reason, the weightiest first."""
    reasons = _connections(ev) + _lambdas(ev) + _activity(ev) + _failover(ev) + _auth(ev)
    reasons += _proxies(ev)
    reasons.sort(key=lambda r: -_RANK[r.weight])
    weights = [r.weight for r in reasons if r.weight != NOTE]
    verdict = max(weights, key=_RANK.__getitem__, default=LITTLE)
    return verdict, reasons
