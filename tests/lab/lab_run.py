"""Running `proxyctl lab` as a user does: each verb a process of its own (a lab outlives
the command that starts it), with the environment of the test."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from proxyctl.lab.state import LabState, load
from proxyctl.lab.system import is_running


def proxyctl(
    *args: str, env: dict[str, str] | None = None, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "proxyctl", *args],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def lab_env(directory: Path) -> dict[str, str]:
    """What `eval "$(proxyctl lab env --dir DIR)"` sets, read from the command itself."""
    out = subprocess.run(
        [
            "bash",
            "-c",
            'eval "$("$0" -m proxyctl lab env --dir "$1")" && env -0',
            sys.executable,
            str(directory),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    pairs = dict(item.split("=", 1) for item in out.split("\0") if "=" in item)
    names = ("PROXYCTL_", "AWS_", "PGSSLROOTCERT")
    return {k: v for k, v in pairs.items() if k.startswith(names)}


def recorded(directory: Path) -> LabState:
    state = load(directory)
    assert state is not None, f"no lab.json in {directory}"
    return state


def running_pids(pids: dict[str, int]) -> dict[str, int]:
    return {what: pid for what, pid in pids.items() if pid and is_running(pid)}
