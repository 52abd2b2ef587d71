"""What a failover drill records: one `ProbeSample` per probe, and `DrillEvent`s.

Times come in two kinds. `*_at` fields are seconds on the monotonic clock since
the drill started (probing began at 0.0); they are what the analysis measures
with. `wall_time` fields are UTC datetimes, for people and for correlating with
AWS events and logs. Durations are seconds.

Pure data: no I/O, no psycopg. The prober (drill/run.py) fills these in; the
db/ layer maps driver exceptions to an `ErrorClass` (see `class_for_sqlstate`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Outcome(StrEnum):
    OK = "ok"
    ERROR = "error"


class ErrorClass(StrEnum):
    """Why a probe failed, in the order reports list them."""

    REFUSED = "refused"
    TIMEOUT = "timeout"
    DNS = "dns"
    TLS = "tls"
    AUTH = "auth"
    ADMIN_SHUTDOWN = "admin_shutdown"  # SQLSTATE 57P01: the server was shut down or restarted
    READ_ONLY = "read_only"  # 25006, or a writer endpoint that reached a server in recovery
    OTHER = "other"


class EventKind(StrEnum):
    START = "start"  # probing began
    TRIGGER = "trigger"  # the failover was requested (at most once)
    TRIGGER_FAILED = "trigger_failed"
    TRIGGER_EXITED = "trigger_exited"  # --trigger-command ended (its exit status in detail)
    WRITER_CHANGED = "writer_changed"  # the control plane names a new writer
    SETTLED = "settled"  # every endpoint healthy for --settle seconds: the drill ends
    TIMEOUT = "timeout"  # --timeout reached before settling
    INTERRUPTED = "interrupted"  # Ctrl-C
    NOTE = "note"


class EndpointKind(StrEnum):
    PROXY = "proxy"  # the RDS Proxy endpoint (--proxy or --host)
    DIRECT = "direct"  # the cluster's writer endpoint
    EXTRA = "extra"  # --endpoint LABEL=HOST[:PORT]


# SQLSTATEs with a class of their own; 28xxx (invalid authorization) is auth.
_SQLSTATE_CLASSES = {"57P01": ErrorClass.ADMIN_SHUTDOWN, "25006": ErrorClass.READ_ONLY}

MESSAGE_LIMIT = 200
READ_ONLY_MESSAGE = "reached a server in recovery (read-only) through a writer endpoint"


@dataclass(frozen=True)
class Endpoint:
    """One probed endpoint. `expects_writer`: a probe there must reach the writer."""

    label: str
    kind: EndpointKind
    host: str
    port: int = 5432
    expects_writer: bool = True


@dataclass(frozen=True)
class ProbeSample:
    """One probe. `latency` is None when the probe never finished (cut off at the end)."""

    endpoint: str
    seq: int
    scheduled_at: float
    started_at: float
    wall_time: datetime
    latency: float | None
    outcome: Outcome
    error_class: ErrorClass | None = None
    sqlstate: str | None = None
    message: str | None = None
    server_addr: str | None = None
    in_recovery: bool | None = None

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.OK

    @property
    def lateness(self) -> float:
        """How late the probe started against its fixed schedule (the prober's jitter)."""
        return self.started_at - self.scheduled_at

    @property
    def failure_class(self) -> ErrorClass | None:
        """The class a failed probe counts under (OTHER when the prober gave none)."""
        if self.ok:
            return None
        return self.error_class or ErrorClass.OTHER


@dataclass(frozen=True)
class DrillEvent:
    kind: EventKind
    at: float
    wall_time: datetime
    detail: str = ""


@dataclass
class DrillSettings:
    """How the drill was run, as the report states it. Never holds the trigger command
    itself (it may carry credentials), only the trigger's kind."""

    trigger: str
    mode: str
    interval: float
    probe_timeout: float
    baseline: float
    settle: float
    timeout: float
    started: datetime
    endpoints: list[Endpoint] = field(default_factory=list)
    cluster: str | None = None
    proxy: str | None = None
    region: str | None = None
    target_instance: str | None = None
    write: bool = False
    heartbeat_table: str | None = None
    stall: float = 1.0  # a probe answered later than this did not answer in time


def short_message(text: str) -> str:
    """The first line of an error message, at most MESSAGE_LIMIT characters."""
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first if len(first) <= MESSAGE_LIMIT else first[: MESSAGE_LIMIT - 1] + "…"


def class_for_sqlstate(sqlstate: str | None) -> ErrorClass | None:
    """The class a SQLSTATE decides by itself, or None when the message must decide."""
    if sqlstate is None:
        return None
    if sqlstate.startswith("28"):
        return ErrorClass.AUTH
    return _SQLSTATE_CLASSES.get(sqlstate)


def reached_read_only(sample: ProbeSample) -> bool:
    """The probe reached a read-only server: it said so, or a write was refused (25006)."""
    return sample.in_recovery is True or sample.error_class is ErrorClass.READ_ONLY


def apply_read_only_rule(sample: ProbeSample, expects_writer: bool) -> ProbeSample:
    """A probe through a writer endpoint that reached a server in recovery has failed.

    After a promotion, stale DNS (or a client cache) can still lead to the demoted
    writer, which answers reads. The client wanted the writer and did not get it,
    so the probe counts as a failure of class `read_only`, with its latency, server
    address and recovery state kept. Other samples come back unchanged.
    """
    if not (expects_writer and sample.ok and sample.in_recovery is True):
        return sample
    return dataclasses.replace(
        sample,
        outcome=Outcome.ERROR,
        error_class=ErrorClass.READ_ONLY,
        sqlstate=None,
        message=READ_ONLY_MESSAGE,
    )
