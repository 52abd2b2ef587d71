"""The live view of a load run on stderr: one line per endpoint, redrawn on a terminal
with the rate, errors and connect p99 so far; a line at the start and end elsewhere."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from proxyctl.output import clean, for_rich

if TYPE_CHECKING:
    from proxyctl.load.generator import Storm
    from proxyctl.load.measure import EndpointResult


class LiveView:
    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.tty = sys.stderr.isatty() and not quiet
        self.status: Any = None
        self.label = ""

    def begin(self, label: str, where: str) -> None:
        self.label = label
        if not self.quiet:
            sys.stderr.write(clean(f"{label}: loading {where}") + "\n")

    def update(self, storm: Storm) -> None:
        if not self.tty:
            return
        line = clean(f"{self.label}: {progress_line(storm)}  (Ctrl-C stops and reports)")
        if self.status is None:
            from rich.console import Console

            self.status = Console(stderr=True).status(for_rich(line))
            self.status.start()
        self.status.update(for_rich(line))

    def end(self, result: EndpointResult) -> None:
        self.close()
        if not self.quiet:
            sys.stderr.write(
                clean(f"{result.label}: {result.attempted:,} attempts, {result.failed:,} failed")
                + "\n"
            )

    def close(self) -> None:
        if self.status is not None:
            self.status.stop()
            self.status = None


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
