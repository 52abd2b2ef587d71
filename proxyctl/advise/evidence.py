"""What `advise` found about a database, part by part; a part it could not read says why.

Pure: the readers (gather.py) fill these in, the verdict (verdict.py) weighs them.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from proxyctl import pricing

# PostgreSQL's default on RDS and Aurora: LEAST({DBInstanceClassMemory/9531392},5000).
DEFAULT_FORMULA = "LEAST({DBInstanceClassMemory/9531392},5000)"
_FORMULA = re.compile(
    r"^\s*(?:LEAST\(\s*)?\{DBInstanceClassMemory/(\d+)\}\s*(?:,\s*(\d+)\s*\))?\s*$", re.I
)


@dataclass(frozen=True)
class Limit:
    """max_connections and where the figure comes from."""

    value: int | None
    source: str


def limit_from(written: str | None, instance_class: str, group: str | None) -> Limit:
    """max_connections from the parameter group's value, or from the formula it holds
    (the engine's default when the group sets nothing), for INSTANCE_CLASS."""
    if written is not None and written.strip().isdigit():
        return Limit(int(written), f"parameter group {group}")
    formula = written if written is not None else DEFAULT_FORMULA
    found = _FORMULA.match(formula)
    gib = pricing.memory_gib(instance_class)
    where = f"parameter group {group}" if written is not None else "engine default"
    if found is None:
        return Limit(None, f"{where} holds {formula!r}, which proxyctl cannot evaluate")
    if gib is None:
        return Limit(None, f"{where} {formula}: memory of {instance_class} not known")
    value = gib * 1024**3 // int(found.group(1))
    if found.group(2):
        value = min(value, int(found.group(2)))
    return Limit(
        value,
        f"{where} {formula} with {instance_class}'s nominal {gib} GiB "
        "(AWS reserves some memory, so the real value is a little lower)",
    )


@dataclass(frozen=True)
class Connections:
    """DatabaseConnections over the window against max_connections."""

    since: str  # "7d"
    peak: float | None  # None: CloudWatch had no data
    p95: float | None
    limit: Limit

    @property
    def share(self) -> float | None:
        if self.peak is None or not self.limit.value:
            return None
        return self.peak / self.limit.value

    @property
    def headroom(self) -> float | None:
        if self.peak is None or self.limit.value is None:
            return None
        return self.limit.value - self.peak


def p95(values: list[float]) -> float | None:
    """The nearest-rank 95th percentile (None for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


@dataclass(frozen=True)
class Instance:
    identifier: str
    instance_class: str
    writer: bool
    multi_az: bool


@dataclass(frozen=True)
class Lambdas:
    """Lambda functions in the database's VPC whose environment names its endpoints."""

    functions: tuple[tuple[str, tuple[str, ...], int | None], ...]  # name, variables, reserved
    account_limit: int | None  # concurrent executions shared by those without a reservation

    @property
    def most(self) -> int | None:
        """The most concurrent executions they may reach together (None: unknown)."""
        total = 0
        for _, _, reserved in self.functions:
            if reserved is None:
                return self.account_limit
            total += reserved
        return total


@dataclass(frozen=True)
class Activity:
    """pg_stat_activity now, and pg_stat_statements' statements that pin, if readable."""

    where: str
    groups: tuple[tuple[str, str, int, int], ...]  # application, state, count, young (<60 s)
    calls: int | None = None  # statement calls pg_stat_statements holds (None: not read)
    pinning_calls: int | None = None  # of them, calls of statements that pin a session
    pin_rules: tuple[str, ...] = ()

    @property
    def total(self) -> int:
        return sum(g[2] for g in self.groups)

    @property
    def idle(self) -> int:
        return sum(g[2] for g in self.groups if g[1] == "idle")

    @property
    def young(self) -> int:
        return sum(g[3] for g in self.groups)


@dataclass(frozen=True)
class Evidence:
    identifier: str
    kind: str  # "cluster" | "instance"
    engine: str
    instances: tuple[Instance, ...]
    iam_auth: bool
    managed_secret: bool
    connections: Connections | None
    proxies: tuple[tuple[str, str], ...]  # (name, status)
    lambdas: Lambdas | None
    activity: Activity | None
    cost: pricing.Estimate
    unavailable: dict[str, str] = field(default_factory=dict)  # part -> why not read

    @property
    def readers(self) -> int:
        return sum(1 for i in self.instances if not i.writer)

    @property
    def multi_az(self) -> bool:
        return any(i.multi_az for i in self.instances)
