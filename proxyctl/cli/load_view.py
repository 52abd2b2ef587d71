"""The live view of a load run on stderr: a line when each endpoint starts and ends, and
on a terminal, in between, a progress bar redrawn with the attempts, rate, errors and
connect p99 so far. Elsewhere (a pipe, a file, --output json) nothing is redrawn.

This module is imported only when a load runs, so rich's progress costs `--help` nothing."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING

from rich.console import Console, RenderableType
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from proxyctl.output import clean, for_rich, note

if TYPE_CHECKING:
    from proxyctl.load.generator import Load, Storm
    from proxyctl.load.measure import EndpointResult

HINT = "(Ctrl-C stops and reports)"
WAITING = "waiting for CloudWatch (Ctrl-C stops; the run's figures are kept)"


class LiveView:
    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.tty = sys.stderr.isatty() and not quiet
        self.progress: Bar | None = None
        self.task = TaskID(0)
        self.label = ""
        self.spinner: Progress | None = None

    def begin(self, label: str, where: str) -> None:
        self.label = label
        if not self.quiet:
            sys.stderr.write(clean(f"{label}: loading {where}") + "\n")

    def update(self, storm: Storm) -> None:
        if not self.tty:
            return
        if self.progress is None:
            self.progress = Bar()
            self.task = self.progress.add_task(for_rich(self.label), total=1.0, figures="")
            self.progress.start()
        figures = progress_line(storm)
        done = share(storm.load, storm.now(), len(storm.attempts))
        self.progress.update(self.task, completed=done, figures=figures, refresh=True)

    def end(self, result: EndpointResult) -> None:
        self.close()
        if not self.quiet:
            sys.stderr.write(
                clean(f"{result.label}: {result.attempted:,} attempts, {result.failed:,} failed")
                + "\n"
            )

    def wait(self, text: str) -> None:
        """A wait after the runs (for CloudWatch's minutes): TEXT once, as a note (also
        with --output json: a wait of minutes is said); on a terminal, under it, a spinner
        with the time waited until close()."""
        note(text)
        if not self.tty or self.spinner is not None:
            return
        self.spinner = Progress(
            SpinnerColumn(),
            TextColumn(WAITING, markup=False),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
            redirect_stdout=False,
        )
        self.spinner.add_task("wait", total=None)
        self.spinner.start()

    def close(self) -> None:
        """Take the bar or the spinner away (the end line or the result says how it went)
        and show the cursor again."""
        if self.progress is not None:
            self.progress.stop()
            self.progress = None
        if self.spinner is not None:
            self.spinner.stop()
            self.spinner = None


class Bar(Progress):
    """Two rows, so that an 80-column terminal holds them without wrapping or squeezing the
    bar: the endpoint's label, the bar, its percentage and how to stop; under them, the
    figures so far. Redrawn by update at each tick of the run, not by a timer of its own;
    stdout is left alone (the report goes there, maybe to a file)."""

    def __init__(self) -> None:
        super().__init__(
            TextColumn("{task.description}"),
            BarColumn(bar_width=40),
            TaskProgressColumn(),
            TextColumn(HINT, markup=False),
            console=Console(stderr=True),
            auto_refresh=False,
            transient=True,
            redirect_stdout=False,
        )

    def get_renderables(self) -> Iterable[RenderableType]:
        yield self.make_tasks_table(self.tasks)
        for task in self.tasks:
            yield Text("  " + task.fields["figures"])


def share(load: Load, elapsed: float, attempts: int) -> float:
    """How far the run is, 0 to 1: by time under --duration, by attempts under
    --connections; with both, it ends at whichever comes first, so the larger share."""
    shares = [0.0]
    if load.duration:
        shares.append(elapsed / load.duration)
    if load.total:
        shares.append(attempts / load.total)
    return min(1.0, max(shares))


def progress_line(storm: Storm) -> str:
    from proxyctl.load.measure import percentiles

    attempts = list(storm.attempts)
    elapsed = storm.now()
    failed = sum(1 for a in attempts if a.error is not None)
    p99 = percentiles([a.connect for a in attempts if a.connect is not None])["p99"]
    rate = len(attempts) / elapsed if elapsed > 0 else 0.0
    shown = "-" if p99 is None else f"{p99 * 1000:,.0f} ms"
    return (
        f"{len(attempts):,} attempts, {rate:,.0f}/s, {failed:,} errors, "
        f"p99 connect {shown}, {elapsed:,.0f} s"
    )
