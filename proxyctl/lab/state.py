"""A lab's directory and what it records of its parts (`lab.json`).

Everything a lab runs is recorded here as it starts: ports, pids, directories, and the
passwords the lab made (the file is 0600 in a 0700 directory, as a database's own data
directory is). `lab up` writes it; from then on the lab daemon, which follows
promotions and proxies, rewrites it; `lab status` and `lab down` read it.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

STATE_NAME = "lab.json"
SCHEMA_VERSION = 1


def default_dir() -> Path:
    """The lab directory in the user state dir: $XDG_STATE_HOME/proxyctl/lab, else
    ~/.local/state/proxyctl/lab (~/Library/Application Support/proxyctl/lab on macOS)."""
    import sys

    if os.environ.get("XDG_STATE_HOME"):
        base = Path(os.environ["XDG_STATE_HOME"])
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path.home() / ".local" / "state"
    return base / "proxyctl" / "lab"


@dataclass
class Server:
    """A PostgreSQL server of the lab, standing for one instance of the cluster."""

    instance: str  # the DB instance id in the AWS stand-in
    port: int
    base_dir: str


@dataclass
class Failover:
    """The lab's own record of one promotion, wall-clock times (epoch seconds)."""

    writer: str  # the instance promoted
    noticed: float  # the stand-in said the writer changed
    fenced: float  # the old primary stopped
    promoted: float  # the standby took writes
    pooler_moved: float  # PgBouncer sends new server connections to it
    writer_endpoint_moved: float | None = None  # after the DNS delay
    rebuilt: float | None = None  # the old primary streams from the new one


@dataclass
class LabState:
    dir: str
    region: str
    aws_url: str
    moto_pid: int
    bindir: str
    master_password: str = field(repr=False)  # the `postgres` user's, from the secret
    ca_file: str
    cluster: str
    writer_endpoint: str
    reader_endpoint: str
    primary: Server
    standby: Server
    bouncer_port: int
    bouncer_pid: int
    bouncer_dir: str
    bouncer_admin_password: str = field(repr=False)
    dns_delay: float = 20.0
    writer_port: int = 0  # where the writer endpoint listens (forwarder or its front)
    writer_target: int = 0  # the server port the writer endpoint's "DNS" names now
    daemon_pid: int = 0
    ready: bool = False
    fronts: dict[str, dict[str, Any]] = field(default_factory=dict)  # proxy -> facts
    failovers: list[Failover] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # what the daemon could not do
    schema_version: int = SCHEMA_VERSION

    @property
    def path(self) -> Path:
        return Path(self.dir) / STATE_NAME

    def save(self) -> None:
        """Write lab.json atomically (a reader never sees half a file), mode 0600."""
        text = json.dumps(asdict(self), indent=2)
        fd, temp = tempfile.mkstemp(dir=self.dir, prefix=".lab-", suffix=".json")
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(temp, self.path)

    def pids(self) -> dict[str, int]:
        """Every process the lab recorded, by what it is (0: none recorded)."""
        found = {"lab daemon": self.daemon_pid, "pgbouncer": self.bouncer_pid}
        found["AWS stand-in (moto)"] = self.moto_pid
        for role, server in (("primary", self.primary), ("standby", self.standby)):
            found[f"PostgreSQL {role}"] = postmaster_pid(Path(server.base_dir))
        return found


def postmaster_pid(base_dir: Path) -> int:
    """The pid in a server's postmaster.pid, 0 when it has none (stopped)."""
    try:
        return int((base_dir / "data" / "postmaster.pid").read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return 0


def load(directory: Path) -> LabState | None:
    """The recorded state of the lab in DIRECTORY, None when there is none."""
    path = directory / STATE_NAME
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return None
    data["primary"] = Server(**data["primary"])
    data["standby"] = Server(**data["standby"])
    data["failovers"] = [Failover(**f) for f in data.get("failovers", [])]
    return LabState(**data)
