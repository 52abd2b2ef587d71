"""A signed-in client's session through the lab's proxy front: its PgBouncer connection
(borrowed, timed), the relay both ways, and the watch for statements that pin it.

The first statement of a session that pins it (a simple Query's or a Parse's SQL, by
`proxyctl.pinrules`) writes RDS Proxy's log line and counts the session as pinned for
the rest of its life. Only that: PgBouncer behind still multiplexes the session.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from proxyctl import pinrules
from proxyctl.lab import backend, pinlog, publish, wire

if TYPE_CHECKING:
    from proxyctl.lab.front import FrontConfig

# SHOW POOLS columns that count server connections; sv_active ones are lent to a client.
SERVER_STATES = ("sv_active", "sv_idle", "sv_used", "sv_tested", "sv_login")
ADMIN_DATABASE = "pgbouncer"
QUERY_MESSAGES = (b"Q", b"E")  # a simple Query, or an Execute of the extended protocol
# After these the client waits for the server's answer: a simple Query, or a Sync that
# ends an extended-protocol batch. Until the answer's first bytes: QueryResponseLatency.
ANSWERED = (b"Q", b"S")


@dataclass
class Session:
    """A client, signed in, with the PgBouncer connection it was given."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    server: backend.Backend
    user: str
    # RDS Proxy's ids for the log line: random 32-bit numbers, as in its logs.
    client_id: int = field(default_factory=lambda: secrets.randbits(32))
    db_id: int = field(default_factory=lambda: secrets.randbits(32))
    pinned: bool = False
    asked_at: float | None = None  # perf_counter() when the client began to wait


class Relay:
    """Sessions of one front, with its counters, pin log and metric publisher."""

    def __init__(self, config: FrontConfig, counters: dict[str, float]) -> None:
        self.config, self.counters = config, counters
        self.pin_log: pinlog.PinLog | None = None
        self.publisher: publish.MetricsPublisher | None = None

    def start_publishers(self, snapshot: Callable[[], dict[str, float]]) -> None:
        """Pin log lines and metrics to the AWS stand-in, when the front has one."""
        config = self.config
        if not config.aws_url:
            return
        from proxyctl.aws.clients import endpoint_client

        keys = (config.access_key, config.secret_key)
        logs = endpoint_client("logs", config.aws_url, config.region, keys)
        self.pin_log = pinlog.PinLog(logs, config.proxy, config.log_interval)
        cloudwatch = endpoint_client("cloudwatch", config.aws_url, config.region, keys)
        self.publisher = publish.MetricsPublisher(
            cloudwatch, config.proxy, snapshot, config.metrics_interval
        )
        self.pin_log.start()
        self.publisher.start()

    def stop_publishers(self) -> None:
        for running in (self.pin_log, self.publisher):
            if running is not None:
                running.stop()

    async def borrow(
        self, user: str, password: str, parameters: dict[str, str], timeout: float
    ) -> backend.Backend:
        """A PgBouncer connection signed in as USER; its wait counts as borrow latency."""
        self.counters["DatabaseConnectionRequests"] += 1
        started = time.perf_counter()
        try:
            server = await asyncio.wait_for(
                backend.open_backend(self.config.backend, user, password, parameters), timeout
            )
        except BaseException:
            self.counters["DatabaseConnectionsSetupFailed"] += 1
            raise
        self.counters[publish.BORROW_TOTAL] += (time.perf_counter() - started) * 1e6
        self.counters[publish.BORROWS] += 1
        return server

    async def run(self, session: Session) -> None:
        """Relay until either side closes; the counts of a held connection meanwhile."""
        counters = self.counters
        counters["DatabaseConnections"] += 1
        counters["DatabaseConnectionsCurrentlyBorrowed"] += 1
        upstream = asyncio.create_task(self._from_client(session))
        downstream = asyncio.create_task(self._to_client(session))
        try:
            await asyncio.wait((upstream, downstream), return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (upstream, downstream):
                task.cancel()
            await asyncio.gather(upstream, downstream, return_exceptions=True)
            session.server.close()
            counters["DatabaseConnections"] -= 1
            counters["DatabaseConnectionsCurrentlyBorrowed"] -= 1
            if session.pinned:
                counters["DatabaseConnectionsCurrentlySessionPinned"] -= 1

    async def _from_client(self, session: Session) -> None:
        """Client messages to PgBouncer, one at a time, each looked at for a pin."""
        server = session.server.writer
        while True:
            try:
                kind, body = await wire.read_message(session.reader)
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            if kind in QUERY_MESSAGES:
                self.counters["QueryRequests"] += 1
            if not session.pinned:
                self._watch(session, kind, body)
            if kind in ANSWERED and session.asked_at is None:
                session.asked_at = time.perf_counter()
            server.write(wire.message(kind, body))
            await server.drain()
            if kind == b"X":  # Terminate
                return

    async def _to_client(self, session: Session) -> None:
        """PgBouncer's bytes to the client as they come; the first after a question
        times the answer."""
        while data := await session.server.reader.read(65536):
            if session.asked_at is not None:
                waited = time.perf_counter() - session.asked_at
                self.counters[publish.RESPONSE_TOTAL] += waited * 1e6
                self.counters[publish.RESPONSES] += 1
                session.asked_at = None
            session.writer.write(data)
            await session.writer.drain()

    def _watch(self, session: Session, kind: bytes, body: bytes) -> None:
        sql = wire.query_text(kind, body)
        if not sql or not pinrules.pins(sql):
            return
        session.pinned = True
        self.counters["DatabaseConnectionsCurrentlySessionPinned"] += 1
        if self.pin_log is not None and sql is not None:
            now = datetime.now(UTC)
            reason = pinlog.SETTINGS_REASON
            line = pinlog.pin_line(now, session.client_id, session.db_id, reason, sql)
            self.pin_log.add(line, now)

    async def pool_counts(self) -> dict[str, float]:
        """DatabaseConnections and ...CurrentlyBorrowed as PgBouncer's SHOW POOLS counts
        them, over every pool but its admin console's."""
        config = self.config
        admin = await backend.open_backend(
            config.backend,
            config.admin_user or "",
            config.admin_password or "",
            {"database": ADMIN_DATABASE},
        )
        try:
            pools = await backend.simple_query(admin, "SHOW POOLS")
        finally:
            admin.close()
        pools = [p for p in pools if p.get("database") != ADMIN_DATABASE]
        total = sum(int(p.get(state) or 0) for p in pools for state in SERVER_STATES)
        active = sum(int(p.get("sv_active") or 0) for p in pools)
        return {
            "DatabaseConnections": float(total),
            "DatabaseConnectionsCurrentlyBorrowed": float(active),
        }
