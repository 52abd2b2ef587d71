"""The failover drill's probers: one per endpoint, a probe every `interval` on a fixed schedule.

Probe k is due at `start + k * interval`, whatever earlier probes do: a pool of worker
threads runs them, and the scheduler thread also enforces each probe's deadline
(`probe_timeout` after it started). At the deadline the probe's sample is recorded as a
timeout and its socket, once connected, is shut down so that the worker comes back. libpq
counts `connect_timeout` in whole seconds, at least 2: a probe stuck while connecting is
recorded at its deadline, but holds its worker until then, and the pool is sized for it.
If every worker is still busy when a probe is due, the probe is recorded at once as a
`timeout` whose message starts with "skipped" (latency None): the endpoint has left
earlier probes unanswered for a whole pool's worth of intervals.

No `statement_timeout`: RDS Proxy refuses startup options ("Feature not supported") and a
`SET` pins the session, which would change what is measured. The deadline bounds queries.
Prepared statements are off for the same reason (they pin).
"""

from __future__ import annotations

import contextlib
import math
import os
import queue
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from proxyctl.db.classify import ProbeError, classify
from proxyctl.db.tokencache import TokenCache
from proxyctl.model.probe import ErrorClass, Outcome, ProbeSample

__all__ = ["Endpoint", "ProbeError", "Prober", "TokenCache", "classify"]

if TYPE_CHECKING:
    from psycopg import Connection
    from psycopg.sql import Composed

Mode = Literal["reconnect", "persistent"]
QUERY = "select host(inet_server_addr()), pg_is_in_recovery()"
HEARTBEAT_TABLE = "proxyctl_heartbeat"
APPLICATION_NAME = "proxyctl-drill"


@dataclass(frozen=True)
class Endpoint:
    """Where a prober connects. `host` is what TLS checks and DNS resolves; a numeric
    `hostaddr` (a tunnel, like --via) is connected to instead of resolving `host`."""

    label: str
    host: str
    port: int
    user: str
    database: str
    password: Callable[[], str] = field(repr=False)
    sslmode: str = "verify-full"
    sslrootcert: str | None = None
    hostaddr: str | None = None


@dataclass(eq=False)
class _Attempt:
    seq: int
    scheduled: float
    deadline: float
    started: float | None = None
    wall: datetime | None = None
    fd: int | None = None  # the connected socket, which the deadline shuts down
    done: bool = False  # its sample is out (finished, or cut off at the deadline)
    server_addr: str | None = None
    in_recovery: bool | None = None


class Prober:
    """Probes one endpoint until `stop()`; each sample goes to `sink`, in completion order
    (not `seq` order). `sink` is called from the prober's threads with its lock held, one
    call at a time, so it must be quick and not raise: `queue.Queue.put` or `list.append`.

    `mode` "reconnect" opens a connection per probe (DNS included); "persistent" reuses one,
    which is closed after any failed probe and opened again by the next. `write` also inserts
    a row into `heartbeat_table` (created when missing). Times in samples are seconds since
    `origin` (the drill's start on time.monotonic; the first scheduled probe by default).
    """

    def __init__(
        self,
        endpoint: Endpoint,
        sink: Callable[[ProbeSample], object],
        *,
        interval: float = 0.2,
        probe_timeout: float = 2.0,
        mode: Mode = "reconnect",
        write: bool = False,
        heartbeat_table: str = HEARTBEAT_TABLE,
        origin: float | None = None,
    ) -> None:
        if interval <= 0 or probe_timeout <= 0:
            raise ValueError("interval and probe_timeout must be positive")
        self.endpoint = endpoint
        self.interval = interval
        self.probe_timeout = probe_timeout
        self.mode = mode
        self.connect_timeout = max(2, math.ceil(probe_timeout))  # libpq: whole seconds, >= 2
        busy = max(probe_timeout, self.connect_timeout)  # the longest a worker can be held
        self.workers = max(2, math.ceil(busy / interval)) + 1
        self._sink, self._origin = sink, origin
        self._sql = _heartbeat_sql(heartbeat_table) if write else None
        self._cond = threading.Condition()
        self._idle = self.workers
        self._inflight: list[_Attempt] = []
        self._tasks: queue.SimpleQueue[_Attempt | None] = queue.SimpleQueue()
        self._stopping = False
        self._conn: Connection[Any] | None = None
        self._conn_lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._t0 = 0.0

    def start(self, at: float | None = None) -> None:
        """Schedule probe 0 at monotonic time `at` (now by default), then every interval.
        Probers of one drill share an `at` a moment ahead (50 ms), once all have threads."""
        import psycopg  # noqa: F401 - loaded now: its import (seconds, cold) is no probe's wait

        name = f"probe-{self.endpoint.label}"
        for i in range(self.workers):
            self._spawn(self._work, f"{name}-{i}")
        self._t0 = time.monotonic() if at is None else at
        if self._origin is None:
            self._origin = self._t0
        self._spawn(self._schedule, name)

    def stop(self) -> None:
        """Stop scheduling; returns once every started probe has its sample (the deadline
        bounds that by `probe_timeout`). Workers still stuck connecting end on their own."""
        if not self._threads:
            return
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._threads[-1].join(self.probe_timeout + 1.0)
        for _ in range(self.workers):
            self._tasks.put(None)
        if self._conn_lock.acquire(blocking=False):
            self._close_persistent()
            self._conn_lock.release()

    def waiting_since(self) -> float | None:
        """The start (seconds since `origin`) of the oldest probe still waiting for its
        answer, None when none is: a drill does not settle, and its live view does not
        draw the endpoint as up, while a probe has been waiting too long."""
        with self._cond:
            starts = [a.started if a.started is not None else a.scheduled for a in self._inflight]
        return min(starts) - (self._origin or 0.0) if starts else None

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    # The scheduler: dispatches due probes and cuts off those past their deadline.

    def _schedule(self) -> None:
        seq = 0
        with self._cond:
            while not (self._stopping and not self._inflight):
                now = time.monotonic()
                due = self._t0 + seq * self.interval
                if self._expire(now):
                    continue
                if not self._stopping and now >= due:
                    self._dispatch(seq, due, now)
                    seq += 1
                    continue
                deadlines = [a.deadline for a in self._inflight]
                wake = min(deadlines, default=now) if self._stopping else min([due, *deadlines])
                self._cond.wait(max(0.0, wake - now))

    def _dispatch(self, seq: int, due: float, now: float) -> None:
        attempt = _Attempt(seq, due, deadline=now + self.probe_timeout)
        if self._idle == 0:
            attempt.started, attempt.wall = now, datetime.now(UTC)
            skipped = f"skipped: all {self.workers} probe workers still busy with earlier probes"
            self._sink(self._sample(attempt, None, ProbeError(ErrorClass.TIMEOUT, skipped)))
            return
        self._idle -= 1
        self._inflight.append(attempt)
        self._tasks.put(attempt)

    def _expire(self, now: float) -> bool:
        """Record the probes past their deadline as timeouts; True if there were any."""
        expired = [a for a in self._inflight if a.deadline <= now]
        for attempt in expired:
            self._inflight.remove(attempt)
            attempt.done = True
            if attempt.fd is not None:
                _shutdown(attempt.fd)
                attempt.fd = None
            self._sink(self._sample(attempt, now, self._timeout()))
        return bool(expired)

    def _timeout(self) -> ProbeError:
        return ProbeError(ErrorClass.TIMEOUT, f"no answer within {self.probe_timeout:g} s")

    def _sample(self, a: _Attempt, end: float | None, error: BaseException | None) -> ProbeSample:
        origin = self._origin or 0.0
        started = a.started if a.started is not None else end or a.scheduled
        error_class, sqlstate, message = classify(error) if error else (None, None, None)
        return ProbeSample(
            endpoint=self.endpoint.label,
            seq=a.seq,
            scheduled_at=a.scheduled - origin,
            started_at=started - origin,
            wall_time=a.wall or datetime.now(UTC),
            latency=None if end is None else end - started,
            outcome=Outcome.OK if error is None else Outcome.ERROR,
            error_class=error_class,
            sqlstate=sqlstate,
            message=message,
            server_addr=a.server_addr,
            in_recovery=a.in_recovery,
        )

    # The workers: one probe at a time each.

    def _work(self) -> None:
        while (attempt := self._tasks.get()) is not None:
            try:
                self._probe(attempt)
            finally:
                with self._cond:
                    self._idle += 1

    def _probe(self, attempt: _Attempt) -> None:
        with self._cond:  # the deadline counts from the actual start; it only moves later
            attempt.started, attempt.wall = time.monotonic(), datetime.now(UTC)
            attempt.deadline = attempt.started + self.probe_timeout
        error: Exception | None = None
        try:
            if self.mode == "persistent":
                self._probe_persistent(attempt)
            else:
                self._probe_reconnect(attempt)
        except Exception as exc:
            error = exc
        end = time.monotonic()
        with self._cond:
            if attempt.done:
                return  # cut off at its deadline: that sample is out already
            attempt.done, attempt.fd = True, None
            self._inflight.remove(attempt)
            self._sink(self._sample(attempt, end, error))
            if self._stopping:
                self._cond.notify_all()

    def _probe_reconnect(self, attempt: _Attempt) -> None:
        conn = self._connect(attempt)
        try:
            self._query(conn, attempt)
        finally:
            self._arm(attempt, None)  # before close: the fd number may be reused at once
            conn.close()

    def _probe_persistent(self, attempt: _Attempt) -> None:
        if not self._conn_lock.acquire(timeout=max(0.0, attempt.deadline - time.monotonic())):
            raise self._timeout()  # the connection stayed busy with an earlier probe
        try:
            if self._conn is None:
                self._conn = self._connect(attempt)
            try:
                self._query(self._conn, attempt)
            except ProbeError:
                raise  # cut off before it used the connection, which is still good
            except BaseException:
                self._arm(attempt, None)
                self._close_persistent()  # reconnect on failure: the next probe opens one
                raise
        finally:
            self._arm(attempt, None)
            if self._stopping:
                self._close_persistent()
            self._conn_lock.release()

    def _close_persistent(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    def _arm(self, attempt: _Attempt, conn: Connection[Any] | None) -> None:
        """Let the deadline shut down `conn`'s socket (None: no longer)."""
        with self._cond:
            if conn is not None and attempt.done:
                raise self._timeout()
            attempt.fd = None if conn is None else conn.pgconn.socket

    def _connect(self, attempt: _Attempt) -> Connection[Any]:
        import psycopg
        from psycopg.conninfo import make_conninfo

        ep = self.endpoint
        try:
            password = ep.password()
        except Exception as exc:
            raise ProbeError(ErrorClass.AUTH, f"no password or token for {ep.user}: {exc}") from exc
        if attempt.done:  # cut off while waiting for the password or the connection
            raise self._timeout()
        params = {
            "host": ep.host,
            "hostaddr": ep.hostaddr,
            "port": ep.port,
            "user": ep.user,
            "dbname": ep.database,
            "password": password,
            "sslmode": ep.sslmode,
            "sslrootcert": ep.sslrootcert,
            "connect_timeout": self.connect_timeout,
            "application_name": APPLICATION_NAME,
        }
        conninfo = make_conninfo("", **{k: v for k, v in params.items() if v is not None})
        return psycopg.connect(conninfo, autocommit=True, prepare_threshold=None)

    def _query(self, conn: Connection[Any], attempt: _Attempt) -> None:
        self._arm(attempt, conn)
        row = conn.execute(QUERY).fetchone()
        if row is not None:
            attempt.server_addr, attempt.in_recovery = row[0], row[1]
        if self._sql is not None:
            self._write(conn, attempt.seq, *self._sql)

    def _write(self, conn: Connection[Any], seq: int, create: Composed, insert: Composed) -> None:
        from psycopg import errors

        try:
            conn.execute(insert, (self.endpoint.label, seq))
        except errors.UndefinedTable:
            # Another prober may create it at the same moment.
            with contextlib.suppress(errors.UniqueViolation, errors.DuplicateTable):
                conn.execute(create)
            conn.execute(insert, (self.endpoint.label, seq))


def _heartbeat_sql(table: str) -> tuple[Composed, Composed]:
    """`create table if not exists` and `insert` for `table` or `schema.table`, quoted."""
    from psycopg import sql

    parts = table.split(".")
    if len(parts) > 2 or not all(parts):
        raise ValueError(f"heartbeat table {table!r}: use NAME or SCHEMA.NAME")
    name = sql.Identifier(*parts)
    # No sequence (a proxy pins sessions that use one); the time is the server's.
    create = sql.SQL(
        "create table if not exists {} (at timestamptz not null default clock_timestamp(), "
        "endpoint text not null, seq bigint not null)"
    ).format(name)
    return create, sql.SQL("insert into {} (endpoint, seq) values (%s, %s)").format(name)


def _shutdown(fd: int) -> None:
    """Shut down a socket that another thread is blocked on, so that its read ends now."""
    try:
        with socket.socket(fileno=os.dup(fd)) as sock:
            sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed: nothing left to cut
