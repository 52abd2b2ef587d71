"""The drill itself: probe every endpoint, wait for a healthy baseline, trigger once,
watch the writer, and end when every endpoint has settled, or at the timeout."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from proxyctl.drill.samples import (
    DrillEvent,
    DrillSettings,
    EventKind,
    ProbeSample,
    apply_read_only_rule,
)
from proxyctl.drill.timeline import Analysis, analyze, settled
from proxyctl.drill.trigger import Trigger

START_LEAD = 0.05


class View(Protocol):
    """Shows the drill as it goes: a live view on a terminal, plain lines elsewhere."""

    def sample(self, sample: ProbeSample) -> None: ...
    def event(self, event: DrillEvent) -> None: ...
    def tick(self, now: float) -> None: ...
    def close(self) -> None: ...


@dataclass
class Drill:
    settings: DrillSettings
    make_probers: Callable[[Callable[[ProbeSample], object], float], Sequence[Any]]
    trigger: Trigger
    writer: Callable[[], str | None] | None = None  # the control plane's writer, polled
    poll_every: float = 1.0
    tick: float = 0.1
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep


@dataclass
class Outcome:
    samples: list[ProbeSample]
    events: list[DrillEvent]
    analysis: Analysis
    trigger_error: BaseException | None = None
    interrupted: bool = False


@dataclass
class _State:
    drill: Drill
    view: View
    t0: float
    samples: list[ProbeSample] = field(default_factory=list)
    events: list[DrillEvent] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def now(self) -> float:
        return self.drill.clock() - self.t0

    def add(self, sample: ProbeSample) -> None:
        with self.lock:
            self.samples.append(sample)
        self.view.sample(sample)

    def event(self, kind: EventKind, detail: str = "") -> None:
        event = DrillEvent(kind, self.now(), datetime.now(UTC), detail)
        with self.lock:
            self.events.append(event)
        self.view.event(event)

    def snapshot(self) -> tuple[list[ProbeSample], list[DrillEvent]]:
        with self.lock:
            return list(self.samples), list(self.events)


def baseline_healthy(
    samples: Sequence[ProbeSample], labels: Sequence[str], now: float, baseline: float
) -> bool:
    """At least BASELINE seconds in, and every endpoint's probes of the last BASELINE
    seconds all succeeded (and there are some)."""
    if now < baseline:
        return False
    recent = [s for s in samples if s.started_at >= now - baseline]
    return all(
        any(s.endpoint == label for s in recent)
        and all(s.ok for s in recent if s.endpoint == label)
        for label in labels
    )


def run_drill(drill: Drill, view: View) -> Outcome:
    # All probers share one schedule that starts a moment ahead, so that none is late
    # while the others' threads start.
    state = _State(drill, view, drill.clock() + START_LEAD)
    expects = {e.label: e.expects_writer for e in drill.settings.endpoints}

    def sink(sample: ProbeSample) -> None:
        state.add(apply_read_only_rule(sample, expects.get(sample.endpoint, False)))

    probers = drill.make_probers(sink, state.t0)
    labels = [e.label for e in drill.settings.endpoints]
    interrupted, error = False, None
    first_writer = drill.writer() if drill.writer else None
    try:
        for prober in probers:
            prober.start(state.t0)
        state.event(EventKind.START, f"probing {', '.join(labels)}")
        if _wait_for_baseline(state, labels):
            error = _fire(state)
            if error is None:
                _watch(state, first_writer)
    except KeyboardInterrupt:
        interrupted = True
        state.event(EventKind.INTERRUPTED, "Ctrl-C: probing stopped, the report is partial")
    finally:
        for prober in probers:
            prober.stop()
        view.close()
    samples, events = state.snapshot()
    analysis = analyze(
        samples,
        events,
        drill.settings.endpoints,
        interval=drill.settings.interval,
        ended_at=state.now(),
    )
    return Outcome(samples, events, analysis, error, interrupted)


def _wait_for_baseline(state: _State, labels: list[str]) -> bool:
    settings = state.drill.settings
    while True:
        now = state.now()
        samples, _ = state.snapshot()
        if baseline_healthy(samples, labels, now, settings.baseline):
            return True
        if now >= settings.timeout:
            state.event(
                EventKind.TIMEOUT,
                f"no healthy {settings.baseline:g} s baseline within "
                f"--timeout {settings.timeout:g} s: nothing was triggered",
            )
            return False
        state.view.tick(now)
        state.drill.sleep(state.drill.tick)


def _fire(state: _State) -> BaseException | None:
    try:
        detail = state.drill.trigger.fire()
    except Exception as exc:  # reported, never retried
        state.event(EventKind.TRIGGER_FAILED, f"{getattr(exc, 'message', None) or exc}")
        return exc
    state.event(EventKind.TRIGGER, detail)
    return None


def _poll(state: _State, writer: Callable[[], str | None]) -> str | None:
    """The writer now; a failed look-up is noted and tried again at the next poll."""
    try:
        return writer()
    except Exception as exc:
        state.event(EventKind.NOTE, f"could not read the writer: {getattr(exc, 'message', exc)}")
        return None


def _watch(state: _State, first_writer: str | None) -> None:
    drill, settings = state.drill, state.drill.settings
    last_poll, changed = -drill.poll_every, False
    while True:
        now = state.now()
        if drill.writer is not None and not changed and now - last_poll >= drill.poll_every:
            last_poll = now
            writer = _poll(state, drill.writer)
            if writer is not None and writer != first_writer:
                changed = True
                state.event(EventKind.WRITER_CHANGED, f"writer {first_writer} -> {writer}")
        samples, events = state.snapshot()
        if settled(
            samples,
            events,
            settings.settle,
            now,
            require_writer_change=drill.writer is not None,
            endpoints=[e.label for e in settings.endpoints],
        ):
            state.event(EventKind.SETTLED, f"every endpoint healthy for {settings.settle:g} s")
            return
        if now >= settings.timeout:
            state.event(
                EventKind.TIMEOUT, f"--timeout {settings.timeout:g} s reached before settling"
            )
            return
        state.view.tick(now)
        drill.sleep(drill.tick)
