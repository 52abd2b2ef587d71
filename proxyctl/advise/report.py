"""The advice as text (verdict first, then the evidence) and as one JSON document."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from proxyctl.advise.evidence import Evidence
from proxyctl.advise.verdict import Reason, decide


@dataclass(frozen=True)
class Advice:
    KIND: ClassVar[str] = "advice"
    verdict: str
    reasons: tuple[Reason, ...]
    evidence: Evidence

    def text(self) -> str:
        ev = self.evidence
        kind = "Aurora cluster" if ev.kind == "cluster" else "RDS instance"
        head = f"RDS Proxy for {ev.identifier} ({kind}, {ev.engine}): {self.verdict}"
        if ev.proxies:  # the question is answered already: say so where the verdict is
            behind = ", ".join(f"{name} ({status})" for name, status in ev.proxies)
            head += f"; it is already behind {behind}"
        lines = [head, ""]
        lines += [f"  - [{r.weight}] {r.text}" for r in self.reasons]
        lines += ["", "Evidence", *_instances(ev), *_connections(ev), *_lambdas(ev), *_activity(ev)]
        lines += _proxies(ev)
        lines += [f"  {part}: not read ({why})" for part, why in ev.unavailable.items()]
        lines += ["", f"Cost: {ev.cost.text}", f"  price: {_price(ev)}"]
        return "\n".join(lines) + "\n"


def _instances(ev: Evidence) -> list[str]:
    return [
        f"  instance {i.identifier}: {i.instance_class}, "
        f"{'writer' if i.writer else 'reader'}{', Multi-AZ' if i.multi_az else ''}"
        for i in ev.instances
    ]


def _connections(ev: Evidence) -> list[str]:
    conn = ev.connections
    if conn is None:
        return []
    limit = f"max_connections {conn.limit.value or 'unknown'} ({conn.limit.source})"
    if conn.peak is None:
        return [f"  connections over {conn.since}: no data in CloudWatch", f"  {limit}"]
    headroom = "unknown" if conn.headroom is None else f"{conn.headroom:,.0f}"
    return [
        f"  connections over {conn.since}: peak {conn.peak:,.0f}, p95 {conn.p95:,.0f}, "
        f"headroom {headroom}",
        f"  {limit}",
    ]


def _lambdas(ev: Evidence) -> list[str]:
    if ev.lambdas is None:
        return []
    if not ev.lambdas.functions:
        return ["  Lambda functions naming its endpoints in its VPC: none"]
    shared = ev.lambdas.account_limit
    account = f"the account's {shared:,}" if shared else "the account's limit"
    return [
        f"  Lambda function {name}: {', '.join(variables)} names an endpoint; concurrency "
        f"{f'{reserved:,} reserved' if reserved is not None else account}"
        for name, variables, reserved in ev.lambdas.functions
    ]


def _activity(ev: Evidence) -> list[str]:
    act = ev.activity
    if act is None:
        return []
    lines = [f"  pg_stat_activity on {act.where}: {act.total} client connection(s)"]
    lines += [
        f"    {app}  {state}  {count}" + (f" ({young} under 60 s old)" if young else "")
        for app, state, count, young in act.groups
    ]
    if act.calls is not None:
        lines.append(f"  pg_stat_statements: {act.pinning_calls or 0:,} of {act.calls:,} calls pin")
    return lines


def _proxies(ev: Evidence) -> list[str]:
    if not ev.proxies:
        return ["  proxies in front of it: none"]
    return [f"  proxy in front of it: {name} ({status})" for name, status in ev.proxies]


def _price(ev: Evidence) -> str:
    p = ev.cost.price
    if p.source == "given":
        return f"${p.per_hour:g} per {p.unit}-hour, given with --price-per-vcpu-hour"
    return (
        f"${p.per_hour:g} per {p.unit}-hour, minimum {p.minimum:g} {p.unit}, {p.region}, "
        f"checked {p.checked}, {p.source}; override with --price-per-vcpu-hour"
    )


def advise(ev: Evidence) -> Advice:
    verdict, reasons = decide(ev)
    return Advice(verdict, tuple(reasons), ev)
