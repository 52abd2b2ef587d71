"""The AWS stand-in: moto's server on a free loopback port.

`start_moto` runs it in a thread of this process (fast to start, gone with the process);
`start_moto_process` runs it as a process of its own that outlives this one, stopped
later by its pid. `POST /moto-api/reset` (`reset_moto`) empties it.
"""

from __future__ import annotations

import importlib.util
import logging
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from proxyctl.lab.errors import LabFailed, missing_library
from proxyctl.lab.system import HOST, free_port, log_tail, stop_pid


@dataclass
class MotoServer:
    """A running moto server; clients use `url` as their endpoint URL. It runs in a
    thread of this process (`server`) or as a process of its own (`pid`)."""

    url: str
    server: Any = None  # moto.server.ThreadedMotoServer
    pid: int | None = None

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
        if self.pid is not None:
            stop_pid(self.pid)


def start_moto() -> MotoServer:
    """moto's server in a thread of this process, on a free port of 127.0.0.1."""
    try:
        from moto.server import ThreadedMotoServer
    except ImportError as exc:
        raise missing_library("moto[server]") from exc
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per request otherwise
    port = free_port()
    server = ThreadedMotoServer(ip_address=HOST, port=port, verbose=False)
    server.start()
    return MotoServer(f"http://{HOST}:{port}", server)


def reset_moto(url: str) -> None:
    """Remove everything from the moto server at URL."""
    request = urllib.request.Request(f"{url}/moto-api/reset", method="POST")  # noqa: S310 (our own loopback URL)
    try:
        urllib.request.urlopen(request, timeout=10).close()  # noqa: S310
    except OSError as exc:
        raise LabFailed(f"could not reset the AWS stand-in at {url}: {exc}") from exc


def start_moto_process(log: Path, timeout: float = 30) -> MotoServer:
    """moto's server as a process of its own (its own session: it outlives this process),
    on a free port of 127.0.0.1, writing to LOG; returns once it answers."""
    if importlib.util.find_spec("moto") is None or importlib.util.find_spec("flask") is None:
        raise missing_library("moto[server]")
    port = free_port()
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(port)],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
    moto = MotoServer(f"http://{HOST}:{port}", pid=process.pid)
    deadline = time.monotonic() + timeout
    while not answers(moto.url):
        if process.poll() is not None or time.monotonic() > deadline:
            moto.stop()
            raise LabFailed(f"moto's server did not start on port {port}{log_tail(log)}")
        time.sleep(0.1)
    return moto


def answers(url: str) -> bool:
    """Whether the moto server at URL answers."""
    try:
        urllib.request.urlopen(f"{url}/moto-api/", timeout=1).close()  # noqa: S310 (loopback)
    except OSError:
        return False
    return True
