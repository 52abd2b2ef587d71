"""A lab's life: up (harmless when it runs), down (every recorded process stopped, and
checked), and the look-ups `status`, `env` and `failover` make. The results are
dataclasses with a KIND and text(), rendered by proxyctl.output."""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from proxyctl.errors import NotFoundError, UsageError
from proxyctl.lab import health
from proxyctl.lab.errors import LabFailed
from proxyctl.lab.state import STATE_NAME, Failover, LabState, load
from proxyctl.lab.system import is_running, stop_pid

# PostgreSQL: SIGINT is its fast shutdown (SIGTERM waits for clients). moto: its state
# is thrown away anyway, and it takes seconds to end on SIGTERM.
FIRST_SIGNAL = {"PostgreSQL": signal.SIGINT, "AWS": signal.SIGKILL}
KEPT_NAME = "lab.stopped.json"
DAEMON_GRACE = 60.0  # a promotion it is finishing (a base backup) ends first
UNSET_HINT = (
    "unset PROXYCTL_CONFIG PROXYCTL_CONTEXT PROXYCTL_ENDPOINT_URL AWS_ACCESS_KEY_ID "
    "AWS_SECRET_ACCESS_KEY AWS_REGION PGSSLROOTCERT"
)  # lab.json of a lab stopped with --keep: no lab any more


@dataclass
class UpResult:
    KIND: ClassVar[str] = "lab_up"
    dir: str
    already: bool
    seconds: float
    parts: list[health.Part]

    def text(self) -> str:
        from proxyctl.lab.state import default_dir

        head = "the lab was already up" if self.already else f"the lab is up ({self.seconds:.1f} s)"
        where = "" if Path(self.dir) == default_dir() else f" --dir {shlex.quote(self.dir)}"
        return f"{head} in {self.dir}\n{health.table(self.parts)}" + NEXT.format(where=where)


NEXT = (
    '\nNext: eval "$(proxyctl lab env{where})", then proxyctl init, '
    "proxyctl check --proxy orders-proxy --user postgres\n"
)


@dataclass
class DownResult:
    KIND: ClassVar[str] = "lab_down"
    dir: str
    stopped: dict[str, int] = field(default_factory=dict)  # what -> pid
    kept: bool = False
    found: bool = True
    seconds: float = 0.0

    def text(self) -> str:
        if not self.found:
            return f"no lab in {self.dir}: nothing to stop\n"
        lines = [f"stopped {what} (pid {pid})" for what, pid in self.stopped.items()]
        end = f"kept {self.dir}" if self.kept else f"removed {self.dir}"
        lines.append(f"{end} ({self.seconds:.1f} s)")
        if os.environ.get("PROXYCTL_CONFIG") == str(Path(self.dir) / "config.toml"):
            lines.append(f"This shell still points at the lab: {UNSET_HINT}")
        return "\n".join(lines) + "\n"


def up(directory: Path, dns_delay: float, say: Callable[[str], None]) -> UpResult:
    """Start a lab in DIRECTORY; a running one is left as it is, a dead one is cleaned."""
    from proxyctl.lab.up import start

    began = time.monotonic()
    existing = load(directory)
    if existing is not None:
        if all(is_running(pid) for pid in existing.pids().values() if pid):
            return UpResult(str(directory), True, 0.0, health.parts(existing))
        say(f"a lab whose processes died is in {directory}: cleaning it first")
        down(directory, keep=False, say=say)
    elif (directory / KEPT_NAME).exists():
        shutil.rmtree(directory)
    elif directory.exists() and any(directory.iterdir()):
        raise UsageError(
            f"--dir: {directory} holds files and no lab.",
            hint="Give an empty or new directory.",
            field="--dir",
        )
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        state = start(directory, dns_delay, say)
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    return UpResult(str(directory), False, time.monotonic() - began, health.parts(state))


def down(directory: Path, keep: bool, say: Callable[[str], None]) -> DownResult:
    """Stop every recorded process, check that none is left, and remove DIRECTORY unless
    KEEP. The daemon first: it holds the fronts, and a promotion it is finishing (the
    new standby) is recorded by the time it ends, so the rest is read after it."""
    began = time.monotonic()
    state = load(directory)
    if state is None:
        return DownResult(str(directory), found=False)
    result = DownResult(str(directory), kept=keep)
    _stop(result, {"lab daemon": state.daemon_pid}, say)
    state = load(directory) or state
    pids = {what: pid for what, pid in state.pids().items() if pid}
    _stop(result, pids, say)  # the order of pids(): pooler, moto, servers
    left = [f"{what} (pid {pid})" for what, pid in pids.items() if _ours_running(what, pid)]
    if left:
        raise LabFailed(f"still running after lab down: {', '.join(left)}")
    # Made in /tmp when the path was too long, or (as root) out of the postgres user's reach.
    for made in (state.primary.base_dir, state.standby.base_dir, state.bouncer_dir):
        if not Path(made).is_relative_to(directory):
            shutil.rmtree(made, ignore_errors=True)
    if keep:
        (directory / STATE_NAME).rename(directory / KEPT_NAME)
    else:
        shutil.rmtree(directory, ignore_errors=True)
    result.seconds = time.monotonic() - began
    return result


def _ours_running(what: str, pid: int) -> bool:
    return bool(pid) and is_running(pid) and health.is_ours(pid, what)


def _stop(result: DownResult, pids: dict[str, int], say: Callable[[str], None]) -> None:
    for what, pid in pids.items():
        if what in result.stopped or not _ours_running(what, pid):
            continue
        say(f"stopping {what} (pid {pid})")
        with suppress(ProcessLookupError):
            os.kill(pid, FIRST_SIGNAL.get(what.split()[0], signal.SIGTERM))
        stop_pid(pid, timeout=DAEMON_GRACE if what == "lab daemon" else 10)
        result.stopped[what] = pid


def running(directory: Path) -> LabState:
    """The lab in DIRECTORY; NotFoundError (exit 3) when there is none."""
    state = load(directory)
    if state is None:
        raise NotFoundError(
            f"no lab in {directory}.",
            hint="Start one with `proxyctl lab up` (or name its directory with --dir).",
        )
    return state


def fail_over(directory: Path, timeout: float = 60.0) -> Failover:
    """FailoverDBCluster on the stand-in, as `failover-test --trigger aws` does; returns
    the lab's record once the daemon has promoted the standby and rebuilt the old
    primary as the new one (the lab can fail over again)."""
    from proxyctl.aws.clients import endpoint_client
    from proxyctl.lab.aws_world import CREDENTIALS

    state = running(directory)
    before = len(state.failovers)
    rds = endpoint_client("rds", state.aws_url, state.region, CREDENTIALS)
    rds.failover_db_cluster(
        DBClusterIdentifier=state.cluster, TargetDBInstanceIdentifier=state.standby.instance
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = load(directory)
        if found is not None and len(found.failovers) > before and found.failovers[-1].rebuilt:
            return found.failovers[-1]
        time.sleep(0.1)
    raise LabFailed(
        f"the lab did not promote the standby within {timeout:g} s; see {directory}/daemon.log"
    )
