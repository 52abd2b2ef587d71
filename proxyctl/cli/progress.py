"""Progress of a slow run on stderr: a line per step, then a spinner (on a terminal) or
a line per change of state (elsewhere) while it waits."""

from __future__ import annotations

import sys
from typing import Any

from proxyctl.output import clean, for_rich


class Progress:
    """Step lines on stderr; a spinner with elapsed time and state on a terminal."""

    def __init__(self, quiet: bool) -> None:
        self.tty = sys.stderr.isatty() and not quiet
        self.last = ""
        self.status: Any = None

    def step(self, number: int, total: int, summary: str) -> None:
        self.close()
        sys.stderr.write(f"[{number}/{total}] {clean(summary)}\n")

    def report(self, message: str) -> None:
        # The states in MESSAGE are AWS's words: data, not markup or escape sequences.
        if self.tty:
            if self.status is None:
                from rich.console import Console

                self.status = Console(stderr=True).status(for_rich(message))
                self.status.start()
            self.status.update(for_rich(message))
            return
        state = message.split(": ", 1)[-1]
        if state != self.last:
            sys.stderr.write(clean(message) + "\n")
            self.last = state

    def close(self) -> None:
        if self.status is not None:
            self.status.stop()
            self.status = None
