"""The storm itself: one thread per simulated client, each with psycopg.

Threads, not asyncio: on a 2-core machine psycopg threads made 80-124 TLS+SCRAM
connections per second where AsyncConnection made 74-90; libpq does the TLS and SCRAM
work with the GIL released. Every client shares the Target's password cache, so an IAM
token is signed once and reused until it nears expiry (as one Lambda container would)."""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from proxyctl.load.measure import Attempt

if TYPE_CHECKING:
    from proxyctl.db.target import Target

RETRY_PAUSE = 0.1  # a pool-mode client that could not connect waits this long to try again


@dataclass(frozen=True)
class Load:
    """How hard and how long: bounded by `duration`, by `total` attempts, or both."""

    clients: int
    mode: str  # lambda: a new connection per attempt; pool: each client keeps one
    sql: str = "select 1"
    duration: float | None = None
    total: int | None = None
    rate: float | None = None  # new attempts per second, for all clients together
    ramp: float = 0.0  # seconds over which the clients start, one after another


class Storm:
    """Runs a Load against one Target; `attempts` grows as clients finish attempts."""

    def __init__(self, load: Load, target: Target) -> None:
        self.load = load
        self.target = target
        self.attempts: list[Attempt] = []
        self.stop = threading.Event()
        self._lock = threading.Lock()
        self._issued = 0
        self.started = 0.0
        self._threads: list[threading.Thread] = []

    def start(self, at: float) -> None:
        """Start the clients; times count from AT (monotonic)."""
        self.started = at
        for n in range(self.load.clients):
            t = threading.Thread(target=self._client, args=(n,), daemon=True, name=f"load-{n}")
            self._threads.append(t)
            t.start()

    def running(self) -> bool:
        return any(t.is_alive() for t in self._threads)

    def wait(self, seconds: float) -> None:
        for t in self._threads:
            t.join(max(0.0, seconds))
            seconds = 0.0 if not t.is_alive() else seconds

    def _ticket(self) -> int | None:
        """The next attempt's number, or None when the run is over."""
        load = self.load
        with self._lock:
            over = load.total is not None and self._issued >= load.total
            late = load.duration is not None and self.now() >= load.duration
            if self.stop.is_set() or over or late:
                return None
            self._issued += 1
            return self._issued - 1

    def now(self) -> float:
        return time.monotonic() - self.started

    def _pace(self, number: int) -> bool:
        """Wait for this attempt's slot under --rate; False when stopped meanwhile."""
        if self.load.rate is None:
            return not self.stop.is_set()
        return not self.stop.wait(max(0.0, number / self.load.rate - self.now()))

    def _client(self, n: int) -> None:
        if self.load.clients > 1 and self.stop.wait(self.load.ramp * n / self.load.clients):
            return
        if self.load.mode == "pool":
            self._pool_client()
            return
        while (number := self._ticket()) is not None and self._pace(number):
            self.attempts.append(self._one_connection())

    def _one_connection(self) -> Attempt:
        from proxyctl.db import storm

        at = self.now()
        conn, connect = None, None
        try:
            conn = storm.open_session(self.target)
            connect = self.now() - at
            storm.run_statement(conn, self.load.sql)
            return Attempt(at, connect, self.now() - at - connect)
        except Exception as exc:
            return _failed(at, exc, connect)
        finally:
            if conn is not None:
                conn.close()

    def _pool_client(self) -> None:
        from proxyctl.db import storm

        conn: Any = None
        try:
            while (number := self._ticket()) is not None and self._pace(number):
                at, connect = self.now(), None
                try:
                    if conn is None:
                        conn = storm.open_session(self.target)
                        connect = self.now() - at
                    began = self.now()
                    storm.run_statement(conn, self.load.sql)
                    self.attempts.append(Attempt(at, connect, self.now() - began))
                except Exception as exc:
                    self.attempts.append(_failed(at, exc, connect))
                    _close(conn)
                    conn = None
                    self.stop.wait(RETRY_PAUSE)
        finally:
            _close(conn)


def _failed(at: float, exc: BaseException, connect: float | None) -> Attempt:
    from proxyctl.db.storm import load_class

    error, message = load_class(exc)
    return Attempt(at, connect, None, error, message)


def _close(conn: Any) -> None:
    """Close a kept connection; one already broken has nothing left to close."""
    if conn is not None:
        with contextlib.suppress(Exception):
            conn.close()
