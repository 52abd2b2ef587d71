"""RDS Proxy's log lines for pinned sessions, written by the lab's proxy front to the AWS
stand-in's CloudWatch Logs group `/aws/rds/proxy/NAME`.

The line is RDS Proxy's (FACTS: "Session pinning"), one per session at the first
statement that pins it; the digest is the statement with its literals replaced by $1,
$2, ... The writer batches lines in a thread of its own, so that a slow or absent
stand-in never holds up the relay; a line it cannot deliver is counted and dropped.
"""

from __future__ import annotations

import logging
import queue
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any

from proxyctl import sqltext
from proxyctl.lab.publish import Periodic

LOG_GROUP = "/aws/rds/proxy/{proxy}"
LOG_STREAM = "proxyctl-lab"
# RDS Proxy's published lines give this reason for SQL that pins a session; the lab
# writes it whichever rule of proxyctl.pinrules matched: the digest shows the statement.
SETTINGS_REASON = (
    "SQL changed session settings that the proxy doesn't track. Consider moving session "
    "configuration to the proxy's initialization query."
)
LITERALS = ("string", "number")
log = logging.getLogger(__name__)


def digest(sql: str) -> str:
    """SQL as RDS Proxy digests it: literals as $1, $2..., on one line without comments."""
    parts, at, n = [], 0, 0
    for token in sqltext.tokens(sql):
        if token.kind in LITERALS:
            n += 1
            parts += [sql[at : token.offset], f"${n}"]
            at = token.offset + len(token.text)
    return sqltext.compact("".join(parts) + sql[at:])


def pin_line(
    when: datetime, client_connection: int, db_connection: int, reason: str, sql: str
) -> str:
    """One log line as RDS Proxy writes it when a session gets pinned."""
    stamp = when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"
    return (
        f"{stamp} [WARN] [proxyEndpoint=default] [clientConnection={client_connection}] "
        f"The client session was pinned to the database connection [dbConnection={db_connection}] "
        "for the remainder of the session. The proxy can't reuse this connection until the "
        f'session ends. Reason: {reason} Digest: "{digest(sql)}".'
    )


class PinLog(Periodic):
    """Lines for `/aws/rds/proxy/PROXY`, sent by a thread in batches every `interval` s.

    `logs` is a CloudWatch Logs client (boto3) for the stand-in; `add` never blocks.
    """

    def __init__(self, logs: Any, proxy: str, interval: float = 1.0) -> None:
        super().__init__(f"pin-log-{proxy}", interval)
        self.logs, self.group = logs, LOG_GROUP.format(proxy=proxy)
        self.lines: queue.SimpleQueue[tuple[int, str]] = queue.SimpleQueue()
        self.sent = self.failed = 0
        self._ready = False

    def add(self, line: str, when: datetime) -> None:
        self.lines.put((int(when.timestamp() * 1000), line))

    def tick(self) -> None:
        self.flush()

    def flush(self) -> None:
        batch = []
        while not self.lines.empty():
            batch.append(self.lines.get())
        if not batch:
            return
        events = [{"timestamp": ms, "message": line} for ms, line in sorted(batch)]
        try:
            self._put(events)
            self.sent += len(events)
        except Exception as exc:
            self.failed += len(events)
            log.warning("could not write %d pin log lines to %s: %s", len(events), self.group, exc)

    def _put(self, events: list[dict[str, Any]]) -> None:
        for attempt in (1, 2):
            self._ensure_stream()
            try:
                self.logs.put_log_events(
                    logGroupName=self.group, logStreamName=LOG_STREAM, logEvents=events
                )
                return
            except self.logs.exceptions.ResourceNotFoundException:
                # Someone emptied the stand-in (a reset): make the group again, once.
                self._ready = False
                if attempt == 2:
                    raise

    def _ensure_stream(self) -> None:
        if self._ready:
            return
        for create, kw in (
            (self.logs.create_log_group, {}),
            (self.logs.create_log_stream, {"logStreamName": LOG_STREAM}),
        ):
            with suppress(self.logs.exceptions.ResourceAlreadyExistsException):
                create(logGroupName=self.group, **kw)
        self._ready = True
