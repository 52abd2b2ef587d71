"""What starts the failover: AWS, nothing (observe one started elsewhere), or a command.

A trigger fires at most once per drill: not again on retry, not on Ctrl-C.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from proxyctl.errors import ExitCode, ProxyctlError

TRIGGERS = ("aws", "none", "command")


class AlreadyFired(ProxyctlError):
    """A second fire() is a bug in the drill, never a retry."""


class TriggerFailed(ProxyctlError):
    """The trigger failed: --trigger-command failed or had not ended (exit 7), or the
    failover call itself failed (with that error's exit code)."""

    exit_code = ExitCode.TRIGGER_FAILED
    kind = "trigger_failed"

    def __init__(self, message: str, exit_code: ExitCode = ExitCode.TRIGGER_FAILED) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class Trigger:
    kind: str
    fire_action: Callable[[], str]
    fired: bool = False
    detail: str = ""
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def fire(self) -> str:
        if self.fired:
            raise AlreadyFired("the failover was already triggered; it is never triggered twice")
        self.fired = True  # before the call: a failing call is not retried either
        self.detail = self.fire_action()
        return self.detail

    def exit_status(self) -> int | None:
        """The command's exit status once it has ended (-N: killed by signal N); None
        while it runs, and for the other kinds of trigger."""
        return None if self.process is None else self.process.poll()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


def ending(status: int) -> str:
    """How a command ended, in words: "exited with status 3", "was killed by SIGKILL"."""
    if status < 0:
        try:
            name = signal.Signals(-status).name
        except ValueError:
            name = f"signal {-status}"
        return f"was killed by {name}"
    return f"exited with status {status}"


def aws_trigger(fail_over: Callable[[], str | None], cluster: str, target: str | None) -> Trigger:
    """FailoverDBCluster. `fail_over` returns None when AWS accepted the call, or what
    was unclear about an answer that does not say (a 5xx, a timeout): the failover may
    have started, so the drill watches the cluster and never calls again."""

    def fire() -> str:
        unclear = fail_over()
        what = f"FailoverDBCluster {cluster}" + (f" to {target}" if target else "")
        if unclear is None:
            return what
        return (
            f"{what}: no clear answer ({unclear}); the failover may have started, so the "
            "cluster is watched and the call is not repeated"
        )

    return Trigger("aws", fire)


def no_trigger() -> Trigger:
    return Trigger("none", lambda: "none: observing a failover started elsewhere")


def _stderr_fd() -> int:
    """The process's own stderr (not a live view's stand-in for it)."""
    try:
        return sys.__stderr__.fileno() if sys.__stderr__ is not None else 2
    except (AttributeError, OSError, ValueError):
        return 2


def command_trigger(
    command: str, environment: Mapping[str, str], log: Path | None = None
) -> Trigger:
    """Run COMMAND through the shell without waiting: probes go on meanwhile, and the
    drill watches for its end.

    `environment` is the user's, as proxyctl was started with it: a failover script may
    need the user's AWS keys, but never a secret or token that proxyctl fetched or made.
    The command gets a process group of its own, so that Ctrl-C stops the drill and not
    a half-done failover; its output goes to stderr, never to stdout (which carries the
    result), or to `log` (where a live view would draw over it), which the timeline names."""
    trigger = Trigger("command", lambda: "")

    def fire() -> str:
        with contextlib.ExitStack() as files:
            output = _stderr_fd() if log is None else files.enter_context(log.open("ab"))
            return start(output)

    def start(output: Any) -> str:
        with _ctrl_c_held():
            trigger.process = subprocess.Popen(  # noqa: S602 - the user's own runbook command
                command,
                shell=True,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=output,
                env=dict(environment),
                start_new_session=True,
            )
        # Not the command itself: it may carry credentials, and reports get shared.
        where = "" if log is None else f"; its output goes to {log}"
        return f"--trigger-command started (pid {trigger.process.pid}{where})"

    trigger.fire_action = fire
    return trigger


@contextlib.contextmanager
def _ctrl_c_held() -> Iterator[None]:
    """Hold Ctrl-C back while the command starts, so that it (or a command that signals
    us at once) interrupts the drill after the command's pid is known, never halfway
    through Popen. A handler, not a signal mask: the mask is per thread, and the
    probers' threads would take the signal instead."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.SIG_DFL)
    if caught:
        raise KeyboardInterrupt


def user_environment() -> dict[str, str]:
    """The environment as the user started proxyctl: taken before proxyctl fetches or
    makes any secret, for a --trigger-command to run with."""
    return dict(os.environ)
