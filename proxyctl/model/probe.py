"""One probe of a database endpoint, as the prober saw it: `ProbeSample`, its
`Outcome` and, for a failure, its `ErrorClass`.

Times: `*_at` fields are seconds on the monotonic clock since probing began;
`wall_time` is a UTC datetime, for people and for correlating with AWS events
and logs. Durations are seconds.

Pure data: no I/O, no psycopg. db/ fills these in and maps driver exceptions to
an `ErrorClass` (see `class_for_sqlstate`); features read them.
"""

from __future__ import annotations

from dataclasses import dataclass
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


# SQLSTATEs with a class of their own; 28xxx (invalid authorization) is auth.
_SQLSTATE_CLASSES = {"57P01": ErrorClass.ADMIN_SHUTDOWN, "25006": ErrorClass.READ_ONLY}

MESSAGE_LIMIT = 200


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
