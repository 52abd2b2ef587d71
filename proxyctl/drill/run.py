"""The drill itself: probe every endpoint, wait for a healthy baseline, trigger once,
watch the writer (from its own thread) and the trigger command, and end when every
endpoint has settled, or at the timeout."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from proxyctl.drill.samples import DrillEvent, DrillSettings, EventKind, apply_read_only_rule
from proxyctl.drill.settle import baseline_healthy, settled
from proxyctl.drill.timeline import STALL, Analysis, analyze
from proxyctl.drill.trigger import Trigger, ending
from proxyctl.drill.watch import WriterWatch
from proxyctl.model.probe import ProbeSample
from proxyctl.steady import steady_collector

START_LEAD = 0.05


class View(Protocol):
    """Shows the drill as it goes: a live view on a terminal, plain lines elsewhere.
    `waiting` gives, per endpoint, the start of its oldest probe still in flight."""

    def sample(self, sample: ProbeSample) -> None: ...
    def event(self, event: DrillEvent) -> None: ...
    def tick(self, now: float, waiting: Mapping[str, float]) -> None: ...
    def close(self) -> None: ...


class Prober(Protocol):
    def start(self, at: float | None = None) -> None: ...
    def stop(self) -> None: ...
    def waiting_since(self) -> float | None: ...


@dataclass
class Drill:
    """`make_probers(sink, t0)` returns one prober per endpoint of `settings`, in order."""

    settings: DrillSettings
    make_probers: Callable[[Callable[[ProbeSample], object], float], Sequence[Any]]
    trigger: Trigger
    writer: Callable[[], str | None] | None = None  # the control plane's writer, polled
    writer_before: str | None = None  # the writer before the drill, when known
    stall: float = STALL
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
    trigger_status: int | None = None  # --trigger-command's exit status, once it ended
    trigger_running: bool = False  # --trigger-command had not ended when the drill did
    trigger_pid: int | None = None
    display_error: BaseException | None = None


class SafeView:
    """A view whose failure never stops the drill or its report: the first error turns
    it off, and is kept to be said at the end."""

    def __init__(self, view: View) -> None:
        self.view = view
        self.error: BaseException | None = None

    def _call(self, method: str, *args: Any) -> None:
        if self.error is not None:
            return
        try:
            getattr(self.view, method)(*args)
        except Exception as exc:
            self.error = exc
            with contextlib.suppress(Exception):  # already broken: the drill goes on
                self.view.close()

    def sample(self, sample: ProbeSample) -> None:
        self._call("sample", sample)

    def event(self, event: DrillEvent) -> None:
        self._call("event", event)

    def tick(self, now: float, waiting: Mapping[str, float]) -> None:
        self._call("tick", now, waiting)

    def close(self) -> None:
        self._call("close")


@dataclass
class _State:
    drill: Drill
    view: SafeView
    t0: float
    probers: dict[str, Any] = field(default_factory=dict)
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

    def waiting(self) -> dict[str, float]:
        found = {label: p.waiting_since() for label, p in self.probers.items()}
        return {label: since for label, since in found.items() if since is not None}

    def tick(self, now: float) -> None:
        self.view.tick(now, self.waiting())
        self.drill.sleep(self.drill.tick)


def run_drill(drill: Drill, view: View) -> Outcome:
    with steady_collector():  # no full garbage collection pass makes a probe late
        return _run(drill, view)


def _run(drill: Drill, view: View) -> Outcome:
    # All probers share one schedule that starts a moment ahead, so that none is late
    # while the others' threads start.
    state = _State(drill, SafeView(view), drill.clock() + START_LEAD)
    expects = {e.label: e.expects_writer for e in drill.settings.endpoints}

    def sink(sample: ProbeSample) -> None:
        state.add(apply_read_only_rule(sample, expects.get(sample.endpoint, False)))

    probers = drill.make_probers(sink, state.t0)
    labels = [e.label for e in drill.settings.endpoints]
    state.probers = dict(zip(labels, probers, strict=False))
    interrupted, error = False, None
    watch = None
    if drill.writer is not None:
        watch = WriterWatch(drill.writer, drill.writer_before, state.event, drill.poll_every)
    try:
        for prober in probers:
            prober.start(state.t0)
        state.event(EventKind.START, f"probing {', '.join(labels)}")
        if watch is not None:
            watch.start()
        if _wait_for_baseline(state, labels):
            error = _fire(state)
            if error is None:
                _watch(state)
    except KeyboardInterrupt:
        interrupted = True
        _record_fired(state)
        state.event(EventKind.INTERRUPTED, "Ctrl-C: probing stopped, the report is partial")
        _say_how_the_command_is(state)
    finally:
        if watch is not None:
            watch.stop()
        for prober in probers:
            prober.stop()
        state.view.close()
    return _outcome(state, error, interrupted)


def _outcome(state: _State, error: BaseException | None, interrupted: bool) -> Outcome:
    drill = state.drill
    samples, events = state.snapshot()
    status = drill.trigger.exit_status()
    analysis = analyze(
        samples,
        events,
        drill.settings.endpoints,
        interval=drill.settings.interval,
        ended_at=state.now(),
        stall=drill.stall,
        trigger_exit_status=status,
    )
    outcome = Outcome(samples, events, analysis, error, interrupted, status)
    outcome.trigger_running = drill.trigger.running
    outcome.trigger_pid = drill.trigger.process.pid if drill.trigger.process else None
    outcome.display_error = state.view.error
    return outcome


def _wait_for_baseline(state: _State, labels: list[str]) -> bool:
    settings = state.drill.settings
    while True:
        now = state.now()
        samples, _ = state.snapshot()
        waiting = state.waiting()
        stalled = any(now - since > state.drill.stall for since in waiting.values())
        if not stalled and baseline_healthy(
            samples, labels, now, settings.baseline, state.drill.stall
        ):
            return True
        if now >= settings.timeout:
            state.event(
                EventKind.TIMEOUT,
                f"no healthy {settings.baseline:g} s baseline within "
                f"--timeout {settings.timeout:g} s: nothing was triggered",
            )
            return False
        state.tick(now)


def _fire(state: _State) -> BaseException | None:
    try:
        detail = state.drill.trigger.fire()
    except Exception as exc:  # reported, never retried
        state.event(EventKind.TRIGGER_FAILED, f"{getattr(exc, 'message', None) or exc}")
        return exc
    state.event(EventKind.TRIGGER, detail)
    return None


def _record_fired(state: _State) -> None:
    """A trigger that fired is on the timeline, also when Ctrl-C came before `_fire`
    could put it there (a command that is quick to start, and to signal us)."""
    trigger = state.drill.trigger
    kinds = {e.kind for e in state.snapshot()[1]}
    if not trigger.fired or kinds & {EventKind.TRIGGER, EventKind.TRIGGER_FAILED}:
        return
    if trigger.process is not None:
        detail = f"--trigger-command started (pid {trigger.process.pid})"
    else:
        detail = trigger.detail or f"{trigger.kind}: fired, interrupted before it answered"
    state.event(EventKind.TRIGGER, detail)


def _note_command_end(state: _State, noted: bool) -> bool:
    """Put the trigger command's end on the timeline once; True once it has ended."""
    status = state.drill.trigger.exit_status()
    if status is None:
        return False
    if not noted:
        state.event(EventKind.TRIGGER_EXITED, f"--trigger-command {ending(status)}")
    return True


def _say_how_the_command_is(state: _State) -> None:
    trigger = state.drill.trigger
    if trigger.process is None:
        return
    if trigger.running:
        state.event(
            EventKind.NOTE,
            f"--trigger-command is still running (pid {trigger.process.pid}); it was not stopped",
        )
    elif not any(e.kind is EventKind.TRIGGER_EXITED for e in state.snapshot()[1]):
        _note_command_end(state, noted=False)


def _watch(state: _State) -> None:
    drill, settings = state.drill, state.drill.settings
    ended = False
    while True:
        now = state.now()
        ended = _note_command_end(state, ended)
        samples, events = state.snapshot()
        if (ended or drill.trigger.process is None) and settled(
            samples,
            events,
            settings.settle,
            now,
            require_writer_change=drill.writer is not None,
            endpoints=[e.label for e in settings.endpoints],
            stall=drill.stall,
            waiting=state.waiting(),
        ):
            state.event(EventKind.SETTLED, f"every endpoint healthy for {settings.settle:g} s")
            return
        if now >= settings.timeout:
            state.event(
                EventKind.TIMEOUT, f"--timeout {settings.timeout:g} s reached before settling"
            )
            _say_how_the_command_is(state)
            return
        state.tick(now)
