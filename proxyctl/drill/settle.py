"""When a drill may fire its trigger, and when it may end: pure decisions over the
samples so far, the events, and the probes still waiting for an answer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from proxyctl.drill.samples import DrillEvent, EventKind
from proxyctl.drill.timeline import STALL, failure_window, first_event, in_time
from proxyctl.model.probe import ProbeSample


def baseline_healthy(
    samples: Sequence[ProbeSample],
    labels: Sequence[str],
    now: float,
    baseline: float,
    stall: float = STALL,
) -> bool:
    """At least BASELINE seconds in, and every endpoint's probes of the last BASELINE
    seconds all answered in time (and there are some). A baseline of 0 is met at once."""
    if baseline <= 0:
        return True
    if now < baseline:
        return False
    recent = [s for s in samples if s.started_at >= now - baseline]
    return all(
        any(s.endpoint == label for s in recent)
        and all(in_time(s, stall) for s in recent if s.endpoint == label)
        for label in labels
    )


def healthy_since(
    samples: Sequence[ProbeSample],
    stall: float = STALL,
    waiting_since: float | None = None,
    now: float | None = None,
) -> float | None:
    """Since when the endpoint's probes have all answered in time: the answer of the
    first probe in time after the last one that was not; None while the latest probe
    did not answer in time, or while a probe has been waiting longer than the stall
    threshold (`waiting_since`, the start of its oldest probe still in flight)."""
    if waiting_since is not None and now is not None and now - waiting_since > stall:
        return None
    ordered = sorted(samples, key=lambda s: s.started_at)
    if not ordered or not in_time(ordered[-1], stall):
        return None
    first, _, recovered_at = failure_window(ordered, stall)
    return ordered[0].started_at if first is None else recovered_at


def settled(
    samples: Sequence[ProbeSample],
    events: Sequence[DrillEvent],
    settle_seconds: float,
    now: float,
    *,
    require_writer_change: bool = True,
    endpoints: Sequence[str] = (),
    stall: float = STALL,
    waiting: Mapping[str, float] | None = None,
) -> bool:
    """Whether the drill may end: every endpoint has been healthy for `settle_seconds`
    after its last failure or stall and after the failover (the writer change; or the
    trigger when no control plane is watched, `require_writer_change=False`).
    `endpoints` names the endpoints that must have probes (one without any is not
    healthy); `waiting` gives, per endpoint, the start of its oldest probe in flight:
    one waiting longer than the stall threshold keeps the drill going."""
    change = first_event(events, EventKind.WRITER_CHANGED)
    trigger = first_event(events, EventKind.TRIGGER)
    if require_writer_change and change is None:
        return False
    anchors = [e.at for e in (change, trigger) if e is not None]
    labels = dict.fromkeys([*endpoints, *(s.endpoint for s in samples)])
    if not anchors or not labels:
        return False
    waiting = waiting or {}
    for label in labels:
        mine = [s for s in samples if s.endpoint == label]
        since = healthy_since(mine, stall, waiting.get(label), now)
        if since is None or now - max(since, *anchors) < settle_seconds:
            return False
    return True
