"""How a drill looks: while it runs, a live view on a terminal, one plain line per
event elsewhere; then its result.

Labels and event details come from outside (user labels, AWS and server messages): they
are shown as text, never read as Rich markup, with control characters replaced.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from proxyctl.drill.samples import DrillEvent, EventKind
from proxyctl.drill.timeline import STALL
from proxyctl.model.probe import ProbeSample
from proxyctl.output import clean

if TYPE_CHECKING:
    from proxyctl.config import Settings
    from proxyctl.drill.finish import FailoverResult

STRIP = 60  # probes shown per endpoint in the live view


def _label(sample: ProbeSample, stall: float) -> str:
    if sample.ok:
        late = sample.latency is not None and sample.latency > stall
        return "stalled (answered late)" if late else "up"
    return f"down ({sample.error_class or 'error'})"


def _waiting(now: float, since: float | None, stall: float) -> str | None:
    """ "waiting 2.3 s" while a probe has waited longer than the stall threshold."""
    if since is None or now - since <= stall:
        return None
    return f"waiting {now - since:.1f} s"


def event_line(event: DrillEvent) -> str:
    return clean(f"{event.at:8.2f} s  {event.kind.value}: {event.detail}")


class PlainView:
    """A line per event and per change of an endpoint's state, on stderr."""

    def __init__(self, stall: float = STALL) -> None:
        self.stall = stall
        self.state: dict[str, str] = {}
        self.lock = threading.Lock()

    def _show(self, at: float, endpoint: str, label: str) -> None:
        with self.lock:
            if self.state.get(endpoint) == label:
                return
            self.state[endpoint] = label
        sys.stderr.write(clean(f"{at:8.2f} s  {endpoint:<10} {label}") + "\n")

    def sample(self, sample: ProbeSample) -> None:
        self._show(sample.started_at, sample.endpoint, _label(sample, self.stall))

    def event(self, event: DrillEvent) -> None:
        sys.stderr.write(event_line(event) + "\n")

    def tick(self, now: float, waiting: Mapping[str, float]) -> None:
        for endpoint, since in waiting.items():
            if _waiting(now, since, self.stall) is not None:
                self._show(since, endpoint, "waiting (no answer yet)")

    def close(self) -> None:
        sys.stderr.flush()


class LiveView:
    """A heartbeat strip per endpoint (one cell per probe), its state and counters."""

    COLOURS = {"ok": "green", "stalled": "dark_orange", "read_only": "yellow"}

    def __init__(self, labels: list[str], stall: float = STALL) -> None:
        from rich.console import Console
        from rich.live import Live

        self.labels, self.stall = labels, stall
        self.cells: dict[str, list[str]] = {label: [] for label in labels}
        self.counts: dict[str, list[int]] = {label: [0, 0] for label in labels}
        self.states: dict[str, str] = {}
        self.waiting: Mapping[str, float] = {}
        self.trigger_at: float | None = None
        self.now = 0.0
        self.lock = threading.Lock()
        self.live = Live(self._render(), console=Console(stderr=True), refresh_per_second=8)
        self.live.start()

    def sample(self, sample: ProbeSample) -> None:
        state = _label(sample, self.stall)
        if sample.ok:
            kind = "ok" if state == "up" else "stalled"
        else:
            kind = str(sample.error_class or "error")
        with self.lock:
            cells = self.cells.setdefault(sample.endpoint, [])
            cells.append(self.COLOURS.get(kind, "red"))
            del cells[:-STRIP]
            self.counts.setdefault(sample.endpoint, [0, 0])[0 if sample.ok else 1] += 1
            self.states[sample.endpoint] = state

    def event(self, event: DrillEvent) -> None:
        from rich.text import Text

        if event.kind is EventKind.TRIGGER:
            self.trigger_at = event.at
        self.live.console.print(Text(event_line(event)))

    def tick(self, now: float, waiting: Mapping[str, float]) -> None:
        self.now, self.waiting = now, dict(waiting)
        self.live.update(self._render())

    def _state(self, label: str) -> Any:
        from rich.text import Text

        waiting = _waiting(self.now, self.waiting.get(label), self.stall)
        if waiting is not None:
            return Text(waiting, style="yellow")
        state = self.states.get(label, "-")
        style = "green" if state == "up" else "red" if state.startswith("down") else "dark_orange"
        return Text(state, style=style)

    def _render(self) -> Any:
        from rich.table import Table
        from rich.text import Text

        since = (
            f"{self.now - self.trigger_at:.1f} s since the trigger"
            if self.trigger_at is not None
            else "baseline"
        )
        table = Table(title=f"failover drill: {self.now:.1f} s, {since}", show_edge=False)
        for column in ("endpoint", "state", "probes", "ok", "failed"):
            table.add_column(column)
        with self.lock:
            for label in self.labels:
                strip = Text()
                for colour in self.cells.get(label, []):
                    strip.append("█", style=colour)
                ok, failed = self.counts.get(label, [0, 0])
                table.add_row(Text(clean(label)), self._state(label), strip, str(ok), str(failed))
        return table

    def close(self) -> None:
        self.live.update(self._render())
        self.live.stop()


def show_result(settings: Settings, result: FailoverResult) -> None:
    """The result on stdout, then how the command ends: the error (said by the one
    handler, after the result) or the exit code."""
    import typer

    from proxyctl.output import emit, warn

    if result.display_error is not None:
        name = type(result.display_error).__name__
        warn(f"the live view failed ({name}); the drill went on")
    emit(result, settings.json)
    if result.error is not None:
        result.error.result_written = True  # stdout holds the result: one document
        raise result.error
    if result.exit_code:
        raise typer.Exit(result.exit_code)
