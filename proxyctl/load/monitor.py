"""The database's side of a storm: its client connections, counted every 100 ms over a
connection of our own straight to the database (never through the proxy)."""

from __future__ import annotations

import contextlib
import threading
import time
from typing import TYPE_CHECKING, Any

from proxyctl.load.measure import Sample

if TYPE_CHECKING:
    from proxyctl.db.target import Target

INTERVAL = 0.1


class Monitor:
    """Counts USER's client backends in pg_stat_activity, leaving out its own connection.
    By user and not by application name: a pooler's server connections carry its own
    application name, not the clients'."""

    def __init__(self, target: Target, user: str) -> None:
        self.target = target
        self.user = user
        self.samples: list[Sample] = []
        self.problem: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._conn: Any = None
        self._started = 0.0

    def open(self) -> None:
        """Connect now, so that a wrong monitor fails before any load is sent."""
        from proxyctl.db.storm import open_session

        self._conn = open_session(self.target)

    def start(self, started: float) -> None:
        self._started = started
        self._thread = threading.Thread(target=self._sample, daemon=True, name="load-monitor")
        self._thread.start()

    def _sample(self) -> None:
        from proxyctl.db.classify import classify
        from proxyctl.db.storm import database_connections

        while not self._stop.is_set():
            try:
                count = database_connections(self._conn, self.user)
            except Exception as exc:
                self.problem = f"the monitor connection failed: {classify(exc)[2]}"
                return
            self.samples.append(Sample(time.monotonic() - self._started, count))
            self._stop.wait(INTERVAL)

    def stop(self) -> list[Sample]:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2)
        if self._conn is not None:
            with contextlib.suppress(Exception):  # broken already: nothing to close
                self._conn.close()
        return list(self.samples)
