"""What a lab runs, where, and whether each part answers (`lab status`, `lab up`)."""

from __future__ import annotations

import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

from proxyctl.lab.moto import answers as moto_answers
from proxyctl.lab.state import LabState, postmaster_pid
from proxyctl.lab.system import HOST, is_running

# A recorded pid is signalled only while its command line still names what it was:
# a pid of a lab that died long ago may belong to another program by now.
COMMAND_WORDS = {
    "lab daemon": "proxyctl.lab.daemon",
    "pgbouncer": "pgbouncer",
    "AWS stand-in (moto)": "moto",
    "PostgreSQL primary": "postgres",
    "PostgreSQL standby": "postgres",
}


@dataclass
class Part:
    name: str
    pid: int
    where: str
    healthy: bool
    detail: str = ""


def is_ours(pid: int, what: str) -> bool:
    """Whether PID's command line names the program WHAT was recorded as."""
    word = COMMAND_WORDS.get(what, "")
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except FileNotFoundError:
        return False
    except OSError:  # no /proc (macOS): ask ps
        out = subprocess.run(
            ["ps", "-o", "command=", "-p", str(pid)], capture_output=True, text=True
        )
        cmdline = out.stdout
    return word in cmdline


def _answers(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=1):
            return True
    except OSError:
        return False


def _alive(pid: int) -> bool:
    return bool(pid) and is_running(pid)


def _listening(name: str, pid: int, port: int, where: str, detail: str = "") -> Part:
    """A part that runs as PID and answers on PORT of 127.0.0.1."""
    return Part(name, pid, where, _alive(pid) and _answers(port), detail)


def parts(state: LabState) -> list[Part]:
    """Every part of the lab, each checked: its process runs and its port answers."""
    moto_ok = _alive(state.moto_pid) and moto_answers(state.aws_url)
    found = [Part("AWS stand-in (moto)", state.moto_pid, state.aws_url, moto_ok)]
    for role, server in (("primary", state.primary), ("standby", state.standby)):
        pid = postmaster_pid(Path(server.base_dir))
        where, detail = f"{HOST}:{server.port}", f"instance {server.instance}"
        found.append(_listening(f"PostgreSQL {role}", pid, server.port, where, detail))
    where = f"{HOST}:{state.bouncer_port}"
    bouncer = _listening("pgbouncer", state.bouncer_pid, state.bouncer_port, where, "transaction")
    daemon = Part(
        "lab daemon", state.daemon_pid, f"{state.dir}/daemon.log", _alive(state.daemon_pid)
    )
    found += [bouncer, daemon]
    stale = state.writer_target != state.primary.port
    detail = f"DNS delay {state.dns_delay:g} s" + (": still the old writer" if stale else "")
    where = f"{state.writer_endpoint} -> {HOST}:{state.writer_port}"
    found.append(_listening("writer endpoint", state.daemon_pid, state.writer_port, where, detail))
    for name, front in sorted(state.fronts.items()):
        detail = "IAM required" if front.get("iam") else "secret auth"
        where = f"{front['endpoint']} -> {HOST}:{front['port']}"
        found.append(_listening(f"proxy {name}", state.daemon_pid, front["port"], where, detail))
    return found


def table(found: list[Part]) -> str:
    width = max(len(p.name) for p in found)
    lines = [
        f"{'ok  ' if p.healthy else 'DOWN'} {p.name:<{width}}  {p.where}"
        + (f"  ({p.detail})" if p.detail else "")
        for p in found
    ]
    return "\n".join(lines) + "\n"
