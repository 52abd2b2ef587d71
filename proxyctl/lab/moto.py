"""The AWS stand-in: moto's server on a free loopback port.

`start_moto` runs it in a thread of this process (fast to start, gone with the process);
`POST /moto-api/reset` (`reset_moto`) empties it.
"""

from __future__ import annotations

import logging
import urllib.request
from dataclasses import dataclass
from typing import Any

from proxyctl.lab.errors import LabFailed, missing_library
from proxyctl.lab.system import HOST, free_port


@dataclass
class MotoServer:
    """A running moto server; clients use `url` as their endpoint URL."""

    url: str
    server: Any  # moto.server.ThreadedMotoServer

    def stop(self) -> None:
        self.server.stop()


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
