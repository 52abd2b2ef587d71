"""What a failover drill records besides its probes (`proxyctl.model.probe`): the
endpoints it probes, `DrillEvent`s and how it was run.

Times come in two kinds. `*_at` fields are seconds on the monotonic clock since
the drill started (probing began at 0.0); they are what the analysis measures
with. `wall_time` fields are UTC datetimes, for people and for correlating with
AWS events and logs. Durations are seconds.

Pure data and rules over it: no I/O, no psycopg.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from proxyctl.model.probe import ErrorClass, Outcome, ProbeSample


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
