"""`proxyctl lab up|status|env|down` as a user runs them: the lab runs, answers, points
proxyctl at itself, and leaves no process behind."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

from proxyctl.lab import system
from tests.lab.lab_run import lab_env, proxyctl, recorded, running_pids

PARTS = [
    "AWS stand-in (moto)",
    "PostgreSQL primary",
    "PostgreSQL standby",
    "pgbouncer",
    "lab daemon",
    "writer endpoint",
]


def test_up_twice_status_env_down_leaves_no_process(tmp_path: Path) -> None:
    directory = tmp_path / "lab"
    up = proxyctl("lab", "up", "--dir", str(directory), "--dns-delay", "2")
    assert up.returncode == 0, up.stderr
    assert "lab: starting the AWS stand-in (moto)" in up.stderr  # progress: stderr
    assert up.stdout.startswith("the lab is up (")
    assert f'eval "$(proxyctl lab env --dir {directory})"' in up.stdout
    pids = recorded(directory).pids()
    assert running_pids(pids) == pids and all(pids.values())

    again = proxyctl("lab", "up", "--dir", str(directory))
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith(f"the lab was already up in {directory}\n")
    assert recorded(directory).pids() == pids

    status = proxyctl("--output", "json", "lab", "status", "--dir", str(directory))
    assert status.returncode == 0, status.stderr
    doc = json.loads(status.stdout)
    assert doc["kind"] == "lab_status" and doc["healthy"] is True and doc["dns_delay"] == 2
    assert [p["name"] for p in doc["parts"]] == PARTS

    # The lab's context: the writer endpoint's name leads to the lab, the token is
    # checked there, the certificate verifies against the lab's CA.
    state = recorded(directory)
    env = lab_env(directory)
    assert env["PROXYCTL_CONTEXT"] == "lab" and env["AWS_REGION"] == state.region
    assert env["PGSSLROOTCERT"] == str(directory / "ca.pem")
    check = proxyctl("check", "--host", state.writer_endpoint, "--user", "postgres", env=env)
    assert check.returncode == 0, check.stdout + check.stderr
    ends = f"OK: postgres@{state.writer_endpoint}:5432 via 127.0.0.1:{state.writer_port} works"
    assert ends in check.stdout
    assert "signed in as postgres to postgres (iam, TLS)" in check.stdout

    down = proxyctl("lab", "down", "--dir", str(directory))
    assert down.returncode == 0, down.stderr
    assert down.stdout.splitlines()[-1].startswith(f"removed {directory} (")
    assert running_pids(pids) == {}
    assert not directory.exists()
    gone = proxyctl("lab", "status", "--dir", str(directory))
    assert gone.returncode == 3
    assert f"error: no lab in {directory}." in gone.stderr


def test_down_cleans_a_lab_whose_processes_died(tmp_path: Path) -> None:
    directory = tmp_path / "lab"
    assert proxyctl("lab", "up", "--dir", str(directory)).returncode == 0
    pids = recorded(directory).pids()
    for what in ("lab daemon", "AWS stand-in (moto)"):
        os.kill(pids[what], signal.SIGKILL)
    status = proxyctl("lab", "status", "--dir", str(directory))
    assert status.returncode == 6
    assert "the lab is NOT healthy" in status.stdout
    assert "DOWN lab daemon" in status.stdout and "ok   pgbouncer" in status.stdout
    down = proxyctl("lab", "down", "--dir", str(directory))
    assert down.returncode == 0, down.stderr
    assert "stopped pgbouncer" in down.stdout and "stopped lab daemon" not in down.stdout
    assert running_pids(pids) == {}
    assert not directory.exists()


def test_down_keep_keeps_the_directory_and_up_starts_afresh_there(tmp_path: Path) -> None:
    directory = tmp_path / "lab"
    assert proxyctl("lab", "up", "--dir", str(directory)).returncode == 0
    pids = recorded(directory).pids()
    down = proxyctl("lab", "down", "--dir", str(directory), "--keep")
    assert down.returncode == 0 and down.stdout.splitlines()[-1].startswith(f"kept {directory}")
    assert running_pids(pids) == {}
    assert (directory / "daemon.log").is_file() and not (directory / "lab.json").exists()
    assert proxyctl("lab", "status", "--dir", str(directory)).returncode == 3
    assert proxyctl("lab", "down", "--dir", str(directory)).stdout == (
        f"no lab in {directory}: nothing to stop\n"
    )


def test_a_missing_server_program_exits_2_saying_what_to_install(tmp_path: Path) -> None:
    directory = tmp_path / "lab"
    run = proxyctl("lab", "up", "--dir", str(directory), env={"PROXYCTL_PG_BINDIR": "/nowhere"})
    assert run.returncode == 2
    assert "error: PROXYCTL_PG_BINDIR=/nowhere has no initdb and pg_ctl" in run.stderr
    assert "Debian/Ubuntu: `apt-get install postgresql`" in run.stderr
    assert "macOS: `brew install postgresql@15`" in run.stderr
    assert not directory.exists()


def test_a_directory_holding_other_files_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine\n")
    run = proxyctl("lab", "up", "--dir", str(tmp_path))
    assert run.returncode == 2
    assert f"error: --dir: {tmp_path} holds files and no lab." in run.stderr
    assert (tmp_path / "notes.txt").read_text() == "mine\n"


def test_root_finds_runuser_outside_a_short_path(monkeypatch: pytest.MonkeyPatch) -> None:
    # Debian keeps runuser in /usr/sbin, which a login without sbin on PATH lacks.
    monkeypatch.setenv("PATH", "/usr/local/bin:/usr/bin:/bin")
    monkeypatch.setattr(system, "is_root", lambda: True)
    command = system.as_postgres(["pg_ctl", "status"])
    assert Path(command[0]).name == "runuser" and Path(command[0]).is_file()
    assert command[1:] == ["-u", "postgres", "--", "pg_ctl", "status"]


def _processes_naming(*directories: str) -> list[str]:
    """Command lines of running processes that name one of DIRECTORIES."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit() and system.is_running(int(proc.name)):
            try:
                cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if any(directory in cmdline for directory in directories):
                found.append(cmdline)
    return found


def test_down_right_after_a_failover_leaves_no_server(tmp_path: Path) -> None:
    directory = tmp_path / "lab"
    assert proxyctl("lab", "up", "--dir", str(directory)).returncode == 0
    failover = proxyctl("lab", "failover", "--dir", str(directory))
    assert failover.returncode == 0, failover.stderr
    # At once: the old primary was rebuilt as the new standby before failover returned.
    state = recorded(directory)
    down = proxyctl("lab", "down", "--dir", str(directory))
    assert down.returncode == 0, down.stderr
    assert "stopped PostgreSQL standby" in down.stdout
    servers = (state.primary.base_dir, state.standby.base_dir)  # in /tmp as root
    assert _processes_naming(str(directory), *servers) == []
