"""Faults on demand: a port that never answers, a postmaster frozen for a known time.

A freeze is the usual shape of a failover behind RDS Proxy: clients wait rather than
get refused. While the postmaster is stopped (SIGSTOP), new connections queue in the
kernel and complete after the thaw (SIGCONT).
"""

from __future__ import annotations

import os
import shlex
import signal
import socket
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from proxyctl.lab.postgres import PgServer
from proxyctl.lab.system import HOST


@contextmanager
def hanging_server() -> Iterator[int]:
    """The port of a TCP server on 127.0.0.1 that accepts connections and never answers."""
    listener = socket.create_server((HOST, 0))
    listener.settimeout(0.05)
    accepted: list[socket.socket] = []
    done = threading.Event()

    def accept_until_done() -> None:
        while not done.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept_until_done, name="hanging-server", daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        done.set()
        thread.join()
        listener.close()
        for conn in accepted:
            conn.close()


def freeze_command(server: PgServer, seconds: float, marks: Path, *, whole: bool = False) -> str:
    """A shell command that freezes SERVER's postmaster (SIGSTOP) for SECONDS, then thaws
    it (SIGCONT). It writes MARKS.start (`date +%s.%N`) just before the SIGSTOP,
    MARKS.thaw just before the SIGCONT and MARKS.end just after it: the freeze window,
    the ground truth of a drill against it (no answer can come before MARKS.thaw). While
    frozen, new connections queue in the kernel and complete after the thaw. Sessions
    already open keep working (their backends run on), unless `whole`: then every
    process of the server stops (the postmaster first, so that none is forked
    meanwhile) and an open session's queries wait too. Run it inside `thawed(server)`,
    which sends SIGCONT whatever happens."""
    pid = server.postmaster_pid()
    start, thaw, end = (shlex.quote(f"{marks}.{name}") for name in ("start", "thaw", "end"))
    children = f"$(ps -o pid= --ppid {pid})" if whole else ""
    return (
        f"date +%s.%N > {start}; kill -STOP {pid} {children}; sleep {seconds:g}; "
        f"date +%s.%N > {thaw}; kill -CONT {pid} {children}; date +%s.%N > {end}"
    )


def freeze_window(marks: Path) -> tuple[float, float, float]:
    """(start, thaw, end) of the freeze that `freeze_command` recorded, epoch seconds."""
    start, thaw, end = (
        float(marks.with_name(f"{marks.name}.{name}").read_text())
        for name in ("start", "thaw", "end")
    )
    return start, thaw, end


@contextmanager
def thawed(server: PgServer) -> Iterator[None]:
    """SIGCONT to SERVER's postmaster and its children on the way out, so that a failure
    while the server is frozen leaves it running (and stoppable)."""
    pid = server.postmaster_pid()
    try:
        yield
    finally:
        children = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True, check=False
        ).stdout.split()
        for each in [pid, *map(int, children)]:
            with suppress(ProcessLookupError):
                os.kill(each, signal.SIGCONT)
