"""Watching the control plane from a thread of its own, so that the drill keeps its
schedule and ends at --timeout whatever AWS does (a hanging DescribeDBClusters holds
this thread, never the drill)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from proxyctl.drill.samples import EventKind

Note = Callable[[EventKind, str], None]


class WriterWatch:
    """Polls `read` (the cluster's writer now) every `every` seconds until the writer
    differs from `before`, then notes WRITER_CHANGED once. Without a `before`, the first
    answer is the writer before the failover. A failed look-up is noted at the first
    failure of a run of them, and tried again at the next poll."""

    def __init__(
        self, read: Callable[[], str | None], before: str | None, note: Note, every: float = 1.0
    ) -> None:
        self.read, self.before, self.note, self.every = read, before, note, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="writer-watch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop polling. Not waited for: a look-up still hanging ends on its own timeout,
        and its answer is dropped."""
        self._stop.set()

    def _run(self) -> None:
        failing = False
        while not self._stop.is_set():
            try:
                writer = self.read()
            except Exception as exc:
                if not failing and not self._stop.is_set():
                    self.note(EventKind.NOTE, f"could not read the writer: {_message(exc)}")
                failing = True
            else:
                failing = False
                if self._stop.is_set():
                    return
                if self.before is None:
                    self.before = writer
                elif writer is not None and writer != self.before:
                    self.note(EventKind.WRITER_CHANGED, f"writer {self.before} -> {writer}")
                    return
            self._stop.wait(self.every)


def _message(exc: BaseException) -> str:
    return str(getattr(exc, "message", None) or exc)
