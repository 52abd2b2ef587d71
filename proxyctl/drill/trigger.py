"""What starts the failover: AWS, nothing (observe one started elsewhere), or a command.

A trigger fires at most once per drill: not again on retry, not on Ctrl-C.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field

from proxyctl.errors import ProxyctlError

TRIGGERS = ("aws", "none", "command")


class AlreadyFired(ProxyctlError):
    """A second fire() is a bug in the drill, never a retry."""


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


def aws_trigger(fail_over: Callable[[], None], cluster: str, target: str | None) -> Trigger:
    def fire() -> str:
        fail_over()
        return f"FailoverDBCluster {cluster}" + (f" to {target}" if target else "")

    return Trigger("aws", fire)


def no_trigger() -> Trigger:
    return Trigger("none", lambda: "none: observing a failover started elsewhere")


def command_trigger(command: str) -> Trigger:
    """Run COMMAND through the shell without waiting: probes go on meanwhile."""
    trigger = Trigger("command", lambda: "")

    def fire() -> str:
        trigger.process = subprocess.Popen(  # noqa: S602 - the user's own runbook command
            command, shell=True, stdin=subprocess.DEVNULL
        )
        # Not the command itself: it may carry credentials, and reports get shared.
        return f"--trigger-command started (pid {trigger.process.pid})"

    trigger.fire_action = fire
    return trigger
