"""Blocking calls with a bound, for the waits that have none of their own.

psycopg waits for a query's answer as long as the server keeps the connection
open, and getaddrinfo as long as the resolver takes. Here the call runs in a
worker thread while the caller's thread waits for it: past the bound, or on
Ctrl-C (signals reach only the main thread, so it is seen at once and not
after psycopg's own cancel-and-wait), the caller stops waiting and `cut`
shuts the connection's socket so that the worker's wait ends too.
"""

from __future__ import annotations

import contextlib
import os
import queue
import socket
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
# How long to let a worker notice a cut socket before the caller goes on.
WORKER_GRACE = 1.0
# How often a waiting caller looks for Ctrl-C.
SIGNAL_CHECK = 0.1


class Overdue(TimeoutError):
    """The call did not end within its bound."""


class Worker:
    """A daemon thread that runs calls one at a time while the caller waits for each within
    a bound (daemon: a call stuck for good does not keep the program from exiting)."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        threading.Thread(target=self._serve, name="proxyctl-bounded", daemon=True).start()

    def _serve(self) -> None:
        while (job := self._jobs.get()) is not None:
            job.run()

    def run(self, seconds: float, call: Callable[[], T], stop: Callable[[], None] | None) -> T:
        """CALL's result or exception; Overdue past SECONDS. STOP runs when the caller gives
        up (the bound, Ctrl-C) and should make the call end (see `cut`)."""
        job = _Job(call)
        self._jobs.put(job)
        try:
            finished = _wait(job.done, seconds)
        except KeyboardInterrupt:
            job.give_up(stop)
            raise
        if not finished:
            job.give_up(stop)
            raise Overdue(f"no answer within {seconds:g} s")
        if job.error is not None:
            raise job.error
        return job.value  # type: ignore[no-any-return]

    def close(self) -> None:
        self._jobs.put(None)


def _wait(event: threading.Event, seconds: float) -> bool:
    """Event.wait in short slices: Ctrl-C's signal may land on another thread, and the main
    thread runs Python's handler (KeyboardInterrupt) only once its own wait returns."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        if event.wait(min(left, SIGNAL_CHECK)):
            return True
    return event.is_set()


class _Job:
    def __init__(self, call: Callable[[], Any]) -> None:
        self.call, self.done = call, threading.Event()
        self.value: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.value = self.call()
        except BaseException as exc:  # handed to the caller's thread
            self.error = exc
        finally:
            self.done.set()

    def give_up(self, stop: Callable[[], None] | None) -> None:
        if stop is not None:
            stop()
            self.done.wait(WORKER_GRACE)  # out of libpq before the caller closes the connection


def within(seconds: float, call: Callable[[], T], stop: Callable[[], None] | None = None) -> T:
    """One call, bounded (see Worker.run)."""
    worker = Worker()
    try:
        return worker.run(seconds, call, stop)
    finally:
        worker.close()


def cut(conn: Any) -> None:
    """Shut a psycopg connection's socket both ways: a libpq wait on it ends with an error.

    A duplicate of the descriptor is shut down and closed; the shutdown reaches the
    socket that libpq holds, and libpq still owns (and later closes) its descriptor.
    """
    import psycopg

    with contextlib.suppress(OSError, ValueError, psycopg.Error):
        fd = conn.pgconn.socket
        with socket.socket(fileno=os.dup(fd)) as duplicate:
            duplicate.shutdown(socket.SHUT_RDWR)
