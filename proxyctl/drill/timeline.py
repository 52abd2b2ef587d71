"""The drill's numbers, computed from its samples and events only.

Pure functions, no clocks: `now` and the drill's end are passed in. Times are
seconds since the drill started (monotonic), as in `ProbeSample`.

Unavailability is what a client waited for. A probe answered in time when it
succeeded within the stall threshold (`--stall`, 1 s by default); one that
failed, or answered later (a stall: a proxy holding clients during a failover),
did not, and it is down from its start until its answer. Downtime of an
endpoint runs from the start of its first probe that did not answer in time to
the completion of the first probe after which every probe answered in time.
With a trigger, failures that were over before it (a cold start, a blip in the
baseline) are counted apart (`failed_before_trigger`), not stretched into the
failover's downtime. Both ends are known to within the measurement's resolution
(the interval plus the prober's jitter), which the analysis reports next to
every figure; a wait shorter than the stall threshold is not counted at all. An
endpoint that was still failing when the drill ended has `recovered=False`, and
its downtime runs to the end of the drill: a lower bound, and said so.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from proxyctl.drill.samples import DrillEvent, Endpoint, EndpointKind, EventKind, reached_read_only
from proxyctl.model.probe import ErrorClass, ProbeSample

END_KINDS = (EventKind.SETTLED, EventKind.TIMEOUT, EventKind.INTERRUPTED)
STALL = 1.0  # seconds: a probe answered later than this did not answer in time


@dataclass(frozen=True)
class Resolution:
    """How finely downtime is measured: `seconds` = interval + p99 of start lateness.
    Waits shorter than `stall_threshold` are not downtime, so an outage shorter than
    it can go unseen."""

    interval: float
    jitter_p99: float
    jitter_max: float
    seconds: float
    stall_threshold: float = STALL


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
    stalled: int  # answered, but later than the stall threshold
    longest_stall: float | None  # the longest of those waits
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
    interval: float
    stall_threshold: float
    ended_at: float
    end_reason: EventKind | None
    trigger_at: float | None
    writer_changed_at: float | None
    writer_change_after_trigger: float | None
    endpoints: list[EndpointAnalysis]
    trigger_exit_status: int | None = None  # --trigger-command's, when it ended

    @property
    def failover_seen(self) -> bool:
        """Whether anything happened: an endpoint failed or stalled, or the writer changed."""
        return self.writer_changed_at is not None or any(
            e.first_failure_at is not None for e in self.endpoints
        )

    def endpoint(self, label: str) -> EndpointAnalysis:
        for found in self.endpoints:
            if found.endpoint == label:
                return found
        raise KeyError(label)

    def first_of(self, kind: EndpointKind) -> EndpointAnalysis | None:
        return next((e for e in self.endpoints if e.kind is kind), None)


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


def resolution(samples: Sequence[ProbeSample], interval: float, stall: float = STALL) -> Resolution:
    lateness = [max(0.0, s.lateness) for s in samples] or [0.0]
    p99 = percentile(lateness, 0.99)
    return Resolution(interval, p99, max(lateness), interval + p99, stall)


def in_time(sample: ProbeSample, stall: float = STALL) -> bool:
    """The probe succeeded, and within the stall threshold."""
    return sample.ok and sample.latency is not None and sample.latency <= stall


def stalled(sample: ProbeSample, stall: float = STALL) -> bool:
    """The probe succeeded, but a client would have waited longer than the threshold."""
    return sample.ok and not in_time(sample, stall)


def answered_at(sample: ProbeSample) -> float:
    """When the probe's answer came (its start, for one that never finished)."""
    return sample.started_at + (sample.latency or 0.0)


def failover_samples(
    samples: Sequence[ProbeSample], trigger_at: float | None, stall: float = STALL
) -> list[ProbeSample]:
    """The samples that tell of the failover: all of them without a trigger; with one,
    those after the last probe answered in time that started before it. An outage
    already under way at the trigger is kept whole; failures that ended before it are
    not this failover's."""
    ordered = sorted(samples, key=lambda s: s.started_at)
    if trigger_at is None:
        return ordered
    before = [i for i, s in enumerate(ordered) if in_time(s, stall) and s.started_at < trigger_at]
    return ordered[before[-1] + 1 :] if before else ordered


def failure_window(
    samples: Sequence[ProbeSample], stall: float = STALL
) -> tuple[float | None, float | None, float | None]:
    """The start of the first probe that did not answer in time, the start of the last
    one, and the answer of the first probe in time after it (None: none yet)."""
    ordered = sorted(samples, key=lambda s: s.started_at)
    late = [s.started_at for s in ordered if not in_time(s, stall)]
    if not late:
        return None, None, None
    after = (answered_at(s) for s in ordered if in_time(s, stall) and s.started_at > late[-1])
    return late[0], late[-1], next(after, None)


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
    stall: float = STALL,
) -> EndpointAnalysis:
    label = endpoint if isinstance(endpoint, str) else endpoint.label
    kind = EndpointKind.EXTRA if isinstance(endpoint, str) else endpoint.kind
    mine = [s for s in samples if s.endpoint == label]
    failover = failover_samples(mine, trigger_at, stall)
    first, last, recovered_at = failure_window(failover, stall)
    recovered = first is None or recovered_at is not None
    downtime = None
    if first is not None:
        downtime = (ended_at if recovered_at is None else recovered_at) - first
    failed = sum(1 for s in mine if not s.ok)
    to_recovery = None
    if recovered_at is not None and trigger_at is not None:
        to_recovery = recovered_at - trigger_at
    ok_latencies = [s.latency for s in mine if s.ok and s.latency is not None]
    waits = [s.latency for s in mine if stalled(s, stall) and s.latency is not None]
    return EndpointAnalysis(
        endpoint=label,
        kind=kind,
        probes=len(mine),
        failed=failed,
        stalled=len(waits),
        longest_stall=max(waits, default=None),
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
        resolution=resolution(mine, interval, stall),
    )


def analyze(
    samples: Sequence[ProbeSample],
    events: Sequence[DrillEvent],
    endpoints: Sequence[Endpoint],
    *,
    interval: float,
    ended_at: float,
    stall: float = STALL,
    trigger_exit_status: int | None = None,
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
        stall_threshold=stall,
        ended_at=ended_at,
        end_reason=end_reason(events),
        trigger_at=trigger_at,
        writer_changed_at=change.at if change else None,
        writer_change_after_trigger=_us(change.at - trigger.at) if change and trigger else None,
        endpoints=[
            analyze_endpoint(e, samples, interval, trigger_at, ended_at, stall) for e in targets
        ],
        trigger_exit_status=trigger_exit_status,
    )
