"""What `lab status`, `lab env` and `lab failover` show."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

from proxyctl.lab import health
from proxyctl.lab.aws_world import CREDENTIALS
from proxyctl.lab.fronts import CONFIG_NAME, CONTEXT
from proxyctl.lab.lifecycle import fail_over, running
from proxyctl.lab.state import Failover


@dataclass
class LabStatus:
    KIND: ClassVar[str] = "lab_status"
    dir: str
    healthy: bool
    parts: list[health.Part]
    dns_delay: float
    failovers: list[Failover] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def text(self) -> str:
        head = "the lab is up" if self.healthy else "the lab is NOT healthy"
        lines = [f"{head} in {self.dir}", health.table(self.parts).rstrip("\n")]
        for f in self.failovers:
            took = f.pooler_moved - f.noticed
            lines.append(
                f"failover at {_utc(f.noticed)}: {f.writer} promoted, pooler moved in {took:.2f} s"
            )
        lines += [f"problem: {p}" for p in self.problems]
        return "\n".join(lines) + "\n"


def _utc(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds")


def status_of(directory: Path) -> LabStatus:
    state = running(directory)
    parts = health.parts(state)
    return LabStatus(
        str(directory),
        all(p.healthy for p in parts),
        parts,
        state.dns_delay,
        state.failovers,
        state.problems,
    )


@dataclass
class LabEnv:
    KIND: ClassVar[str] = "lab_env"
    variables: dict[str, str]
    unset: list[str]

    def text(self) -> str:
        return "".join(f"{name}={value}\n" for name, value in self.variables.items())


UNSET = ["AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_PROFILE", "PROXYCTL_RESOLVE"]


def env_of(directory: Path) -> LabEnv:
    """The variables that point proxyctl and psql at the lab in DIRECTORY, and those
    to unset (a profile or a host mapping of the user's would win over the lab's)."""
    state = running(directory)
    values = {
        "PROXYCTL_CONFIG": str(directory / CONFIG_NAME),
        "PROXYCTL_CONTEXT": CONTEXT,
        "AWS_ACCESS_KEY_ID": CREDENTIALS[0],
        "AWS_SECRET_ACCESS_KEY": CREDENTIALS[1],
        "AWS_REGION": state.region,
        "PROXYCTL_ENDPOINT_URL": state.aws_url,
        "PGSSLROOTCERT": state.ca_file,
    }
    return LabEnv(values, UNSET)


def env_lines(directory: Path) -> str:
    """Shell lines (POSIX sh) that point proxyctl and psql at the lab in DIRECTORY."""
    found = env_of(directory)
    lines = [
        "# The lab in " + shlex.quote(str(directory)) + ": fixed example keys, valid only there.",
        *(f"export {name}={shlex.quote(value)}" for name, value in found.variables.items()),
        "unset " + " ".join(found.unset),
    ]
    return "\n".join(lines) + "\n"


@dataclass
class FailoverResult:
    KIND: ClassVar[str] = "lab_failover"
    writer: str
    seconds: float  # from the stand-in's failover to the pooler on the new writer
    dns_delay: float
    record: Failover

    def text(self) -> str:
        return (
            f"{self.writer} is the writer: promoted and PgBouncer moved {self.seconds:.2f} s "
            f"after the stand-in failed over; the writer endpoint follows "
            f"{self.dns_delay:g} s after the promotion (emulated DNS delay)\n"
        )


def failover_of(directory: Path) -> FailoverResult:
    state = running(directory)
    record = fail_over(directory)
    return FailoverResult(
        record.writer, record.pooler_moved - record.noticed, state.dns_delay, record
    )
