"""The drill's numbers, computed from its samples and events only.

Pure functions, no clocks: `now` and the drill's end are passed in. Times are
seconds since the drill started (monotonic), as in `ProbeSample`.

Downtime of an endpoint runs from the start of its first failed probe to the
start of its first successful probe after its last failed one. With a trigger,
failures that were over before it (a cold start, a blip in the baseline) are
counted apart (`failed_before_trigger`), not stretched into the failover's
downtime. Both ends are
known to within the measurement's resolution (the interval plus the prober's
jitter), which the analysis reports next to every figure. An endpoint that was
still failing when the drill ended has `recovered=False`, and its downtime runs
to the end of the drill: a lower bound, and said so.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from proxyctl.drill.samples import (
    DrillEvent,
    Endpoint,
    EndpointKind,
    ErrorClass,
    EventKind,
    ProbeSample,
    reached_read_only,
)

END_KINDS = (EventKind.SETTLED, EventKind.TIMEOUT, EventKind.INTERRUPTED)


@dataclass(frozen=True)
class Resolution:
    """How finely downtime is measured: `seconds` = interval + p99 of start lateness."""

    interval: float
    jitter_p99: float
    jitter_max: float
    seconds: float


@dataclass(frozen=True)
class ServerSeen:
    """A backend that answered probes, in one recovery state (a promoted standby
    shows up twice: in recovery, then not)."""

    address: str
    in_recovery: bool | None
    probes: int
    first_at: float
    last_at: float


@dataclass
class EndpointAnalysis:
    endpoint: str
    kind: EndpointKind
    probes: int
    failed: int
    failed_before_trigger: int  # failures that ended before the trigger: not in downtime
    first_failure_at: float | None
    last_failure_at: float | None
    recovered_at: float | None
    recovered: bool
    downtime: float | None
    trigger_to_recovery: float | None
    failures_by_class: dict[ErrorClass, int]
    read_only_probes: int
    slowest_ok: float | None
    servers: list[ServerSeen]
    resolution: Resolution


@dataclass
class Analysis:
    KIND: ClassVar[str] = "failover-analysis"
    interval: float
    ended_at: float
    end_reason: EventKind | None
    trigger_at: float | None
    writer_changed_at: float | None
    writer_change_after_trigger: float | None
    endpoints: list[EndpointAnalysis]

    def endpoint(self, label: str) -> EndpointAnalysis:
        for found in self.endpoints:
            if found.endpoint == label:
                return found
        raise KeyError(label)

    def first_of(self, kind: EndpointKind) -> EndpointAnalysis | None:
        return next((e for e in self.endpoints if e.kind is kind), None)

    def summary(self) -> str:
        from proxyctl.drill.summary import summarize

        return summarize(self)

    def text(self) -> str:
        from proxyctl.drill.tables import analysis_text

        return analysis_text(self)


def _us(value: float | None) -> float | None:
    """A derived duration to the microsecond: 0.6, not 0.5999999999999996."""
    return None if value is None else round(value, 6)


def fmt_seconds(value: float) -> str:
    return f"{value:.2f} s" if abs(value) < 1 else f"{value:.1f} s"


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile: a value that was observed, never an interpolation."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def first_event(events: Iterable[DrillEvent], kind: EventKind) -> DrillEvent | None:
    return min((e for e in events if e.kind is kind), key=lambda e: e.at, default=None)


def end_reason(events: Iterable[DrillEvent]) -> EventKind | None:
    ends = [e for e in events if e.kind in END_KINDS]
    return min(ends, key=lambda e: e.at).kind if ends else None


def resolution(samples: Sequence[ProbeSample], interval: float) -> Resolution:
    lateness = [max(0.0, s.lateness) for s in samples] or [0.0]
    p99 = percentile(lateness, 0.99)
    return Resolution(interval, p99, max(lateness), interval + p99)


def failover_samples(samples: Sequence[ProbeSample], trigger_at: float | None) -> list[ProbeSample]:
    """The samples that tell of the failover: all of them without a trigger; with one,
    those after the last success that started before it. An outage already under way
    at the trigger is kept whole; failures that ended before it are not this failover's."""
    ordered = sorted(samples, key=lambda s: s.started_at)
    if trigger_at is None:
        return ordered
    before = [i for i, s in enumerate(ordered) if s.ok and s.started_at < trigger_at]
    return ordered[before[-1] + 1 :] if before else ordered


def failure_window(
    samples: Sequence[ProbeSample],
) -> tuple[float | None, float | None, float | None]:
    """First failure, last failure, and first success after the last failure (starts)."""
    ordered = sorted(samples, key=lambda s: s.started_at)
    failures = [s.started_at for s in ordered if not s.ok]
    if not failures:
        return None, None, None
    after = (s.started_at for s in ordered if s.ok and s.started_at > failures[-1])
    return failures[0], failures[-1], next(after, None)


def servers_seen(samples: Iterable[ProbeSample]) -> list[ServerSeen]:
    seen: dict[tuple[str, bool | None], list[float]] = {}
    for s in sorted(samples, key=lambda s: s.started_at):
        if s.server_addr is not None:
            seen.setdefault((s.server_addr, s.in_recovery), []).append(s.started_at)
    return [
        ServerSeen(address, in_recovery, len(times), times[0], times[-1])
        for (address, in_recovery), times in seen.items()
    ]


def failures_by_class(samples: Iterable[ProbeSample]) -> dict[ErrorClass, int]:
    counts = Counter(s.failure_class for s in samples if not s.ok)
    return {cls: counts[cls] for cls in ErrorClass if counts[cls]}


def analyze_endpoint(
    endpoint: Endpoint | str,
    samples: Sequence[ProbeSample],
    interval: float,
    trigger_at: float | None,
    ended_at: float,
) -> EndpointAnalysis:
    label = endpoint if isinstance(endpoint, str) else endpoint.label
    kind = EndpointKind.EXTRA if isinstance(endpoint, str) else endpoint.kind
    mine = [s for s in samples if s.endpoint == label]
    failover = failover_samples(mine, trigger_at)
    first, last, recovered_at = failure_window(failover)
    recovered = first is None or recovered_at is not None
    downtime = None
    if first is not None:
        downtime = (ended_at if recovered_at is None else recovered_at) - first
    failed = sum(1 for s in mine if not s.ok)
    to_recovery = None
    if recovered_at is not None and trigger_at is not None:
        to_recovery = recovered_at - trigger_at
    ok_latencies = [s.latency for s in mine if s.ok and s.latency is not None]
    return EndpointAnalysis(
        endpoint=label,
        kind=kind,
        probes=len(mine),
        failed=failed,
        failed_before_trigger=failed - sum(1 for s in failover if not s.ok),
        first_failure_at=first,
        last_failure_at=last,
        recovered_at=recovered_at,
        recovered=recovered,
        downtime=_us(downtime),
        trigger_to_recovery=_us(to_recovery),
        failures_by_class=failures_by_class(mine),
        read_only_probes=sum(1 for s in mine if reached_read_only(s)),
        slowest_ok=max(ok_latencies, default=None),
        servers=servers_seen(mine),
        resolution=resolution(mine, interval),
    )


def analyze(
    samples: Sequence[ProbeSample],
    events: Sequence[DrillEvent],
    endpoints: Sequence[Endpoint],
    *,
    interval: float,
    ended_at: float,
) -> Analysis:
    """Every endpoint's figures, in the order given; samples of an endpoint that was
    not given are analysed too (as `extra`), never dropped."""
    trigger = first_event(events, EventKind.TRIGGER)
    change = first_event(events, EventKind.WRITER_CHANGED)
    trigger_at = trigger.at if trigger else None
    known = {e.label for e in endpoints}
    strays = dict.fromkeys(s.endpoint for s in samples if s.endpoint not in known)
    targets: list[Endpoint | str] = [*endpoints, *strays]
    return Analysis(
        interval=interval,
        ended_at=ended_at,
        end_reason=end_reason(events),
        trigger_at=trigger_at,
        writer_changed_at=change.at if change else None,
        writer_change_after_trigger=_us(change.at - trigger.at) if change and trigger else None,
        endpoints=[analyze_endpoint(e, samples, interval, trigger_at, ended_at) for e in targets],
    )


def healthy_since(samples: Sequence[ProbeSample]) -> float | None:
    """Since when the endpoint's probes have all succeeded; None if the latest failed."""
    ordered = sorted(samples, key=lambda s: s.started_at)
    if not ordered or not ordered[-1].ok:
        return None
    failures = [s.started_at for s in ordered if not s.ok]
    after = failures[-1] if failures else -math.inf
    return next(
        (s.started_at for s in ordered if s.ok and s.started_at > after), ordered[-1].started_at
    )


def settled(
    samples: Sequence[ProbeSample],
    events: Sequence[DrillEvent],
    settle_seconds: float,
    now: float,
    *,
    require_writer_change: bool = True,
    endpoints: Sequence[str] = (),
) -> bool:
    """Whether the drill may end: every endpoint has been healthy for `settle_seconds`
    after its last failure and after the failover (the writer change; or the trigger
    when no control plane is watched, `require_writer_change=False`). `endpoints`
    names the endpoints that must have probes (one without any is not healthy)."""
    change = first_event(events, EventKind.WRITER_CHANGED)
    trigger = first_event(events, EventKind.TRIGGER)
    if require_writer_change and change is None:
        return False
    anchors = [e.at for e in (change, trigger) if e is not None]
    labels = dict.fromkeys([*endpoints, *(s.endpoint for s in samples)])
    if not anchors or not labels:
        return False
    for label in labels:
        since = healthy_since([s for s in samples if s.endpoint == label])
        if since is None or now - max(since, *anchors) < settle_seconds:
            return False
    return True


def summarize(analysis: Analysis) -> str:
    """The drill in one sentence (see proxyctl.drill.summary)."""
    return analysis.summary()
