"""How a running drill looks: a live view on a terminal, one plain line per event elsewhere."""

from __future__ import annotations

import sys
import threading
from typing import Any

from proxyctl.drill.samples import DrillEvent, EventKind, ProbeSample
from proxyctl.output import clean

STRIP = 60  # probes shown per endpoint in the live view


def _label(sample: ProbeSample) -> str:
    if sample.ok:
        return "up"
    return f"down ({sample.error_class or 'error'})"


class PlainView:
    """A line per event and per change of an endpoint's state, on stderr."""

    def __init__(self) -> None:
        self.state: dict[str, str] = {}
        self.lock = threading.Lock()

    def sample(self, sample: ProbeSample) -> None:
        label = _label(sample)
        with self.lock:
            if self.state.get(sample.endpoint) == label:
                return
            self.state[sample.endpoint] = label
        sys.stderr.write(clean(f"{sample.started_at:8.2f} s  {sample.endpoint:<10} {label}\n"))

    def event(self, event: DrillEvent) -> None:
        sys.stderr.write(clean(f"{event.at:8.2f} s  {event.kind.value}: {event.detail}\n"))

    def tick(self, now: float) -> None:
        pass

    def close(self) -> None:
        sys.stderr.flush()


class LiveView:
    """A heartbeat strip per endpoint (one cell per probe), its state and counters."""

    COLOURS = {"ok": "green", "read_only": "yellow"}

    def __init__(self, labels: list[str]) -> None:
        from rich.console import Console
        from rich.live import Live

        self.labels = labels
        self.cells: dict[str, list[str]] = {label: [] for label in labels}
        self.counts: dict[str, list[int]] = {label: [0, 0] for label in labels}
        self.trigger_at: float | None = None
        self.now = 0.0
        self.lock = threading.Lock()
        self.live = Live(self._render(), console=Console(stderr=True), refresh_per_second=8)
        self.live.start()

    def sample(self, sample: ProbeSample) -> None:
        kind = "ok" if sample.ok else str(sample.error_class or "error")
        with self.lock:
            cells = self.cells.setdefault(sample.endpoint, [])
            cells.append(self.COLOURS.get(kind, "red"))
            del cells[:-STRIP]
            self.counts.setdefault(sample.endpoint, [0, 0])[0 if sample.ok else 1] += 1

    def event(self, event: DrillEvent) -> None:
        if event.kind is EventKind.TRIGGER:
            self.trigger_at = event.at
        self.live.console.print(f"{event.at:8.2f} s  {event.kind.value}: {event.detail}")

    def tick(self, now: float) -> None:
        self.now = now
        self.live.update(self._render())

    def _render(self) -> Any:
        from rich.table import Table
        from rich.text import Text

        since = (
            f"{self.now - self.trigger_at:.1f} s since the trigger"
            if self.trigger_at is not None
            else "baseline"
        )
        table = Table(title=f"failover drill: {self.now:.1f} s, {since}", show_edge=False)
        for column in ("endpoint", "probes", "ok", "failed"):
            table.add_column(column)
        with self.lock:
            for label in self.labels:
                strip = Text()
                for colour in self.cells.get(label, []):
                    strip.append("█", style=colour)
                ok, failed = self.counts.get(label, [0, 0])
                table.add_row(label, strip, str(ok), str(failed))
        return table

    def close(self) -> None:
        self.live.update(self._render())
        self.live.stop()
