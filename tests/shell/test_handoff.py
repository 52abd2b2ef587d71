"""`connect --exec psql|pgcli`: the connection goes in environment variables only; no
process's command line ever holds the token; the caveats come first; a missing client
is exit 2 with how to install it."""

from __future__ import annotations

import os
from pathlib import Path

from tests import pg
from tests.cli.terminal import ENTER, Terminal
from tests.conftest import Cli
from tests.shell.conftest import TOKEN_USER, where


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


def environ(pid: int) -> dict[str, str]:
    pairs = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(p.decode().split("=", 1) for p in pairs if b"=" in p)


def every_command_line() -> bytes:
    lines = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                lines.append(Path(f"/proc/{entry}/cmdline").read_bytes())
            except OSError:
                continue
    return b"\n".join(lines)


def test_exec_psql_gets_a_token_in_its_environment_only(pg_trust: pg.PgServer) -> None:
    args = ["connect", "--host", "localhost", "--port", str(pg_trust.port)]
    args += ["--ca-bundle", str(pg_trust.ca_file), "--user", TOKEN_USER, "--database", "app"]
    with Terminal([*args, "--exec", "psql"]) as term:
        term.expect("psql cannot cancel a statement through RDS Proxy")
        term.expect("app=>")
        (psql,) = children(term.proc.pid)
        env = environ(psql)
        token = env["PGPASSWORD"]
        assert token.startswith(f"localhost:{pg_trust.port}/?Action=connect&DBUser={TOKEN_USER}")
        assert env["PGHOST"] == "localhost" and env["PGPORT"] == str(pg_trust.port)
        assert env["PGSSLMODE"] == "verify-full"
        assert env["PGSSLROOTCERT"] == str(pg_trust.ca_file)
        assert env["PGAPPNAME"] == "proxyctl" and env["PGDATABASE"] == "app"
        assert token.encode() not in every_command_line()
        term.answer("app=>", "\\conninfo" + ENTER)
        term.expect("SSL connection (protocol: TLSv1.3")
        term.answer("app=>", "\\q" + ENTER, times=2)
        assert term.finish() == 0
        assert token.encode() not in term.raw


def test_exec_pgcli_with_its_own_configuration(
    cli: Cli, pg_tls: pg.PgServer, tmp_path: Path
) -> None:
    # A stand-in pgcli (pgcli is not installed here): it writes down what it was given.
    bin_dir, seen = tmp_path / "bin", tmp_path / "seen.txt"
    bin_dir.mkdir()
    fake = bin_dir / "pgcli"
    fake.write_text('#!/bin/sh\n{ echo "ARGS $*"; env | grep "^PG" | sort; cat "$3"; } > "$SEEN"\n')
    fake.chmod(0o755)
    env = {
        "PGPASSWORD": pg.APP_PASSWORD,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "SEEN": str(seen),
    }
    run = cli("connect", *where(pg_tls), "--exec", "pgcli", env=env)
    assert run.exit_code == 0, run.stderr
    assert run.stderr.startswith("note: pgcli cannot cancel a statement through RDS Proxy")
    assert "cannot reconnect with a fresh token" in run.stderr
    lines = seen.read_text().splitlines()
    assert lines[0].startswith("ARGS --single-connection --pgclirc /")
    assert pg.APP_PASSWORD not in lines[0]
    assert f"PGPASSWORD={pg.APP_PASSWORD}" in lines
    assert "PGSSLMODE=verify-full" in lines and "PGHOST=localhost" in lines
    assert "keyring = False" in lines and "use_local_timezone = False" in lines
    assert not Path(lines[0].split()[-1]).exists()  # the configuration went with the run


def test_missing_client_is_exit_2_with_how_to_install(cli: Cli, tmp_path: Path) -> None:
    env = {"PGPASSWORD": "x-password", "PATH": str(tmp_path)}
    run = cli("connect", "--host", "localhost", "--user", "app", "--exec", "pgcli", env=env)
    assert run.exit_code == 2
    assert run.stderr == (
        "error: --exec pgcli: pgcli is not installed (not on PATH).\n"
        "hint: pipx install pgcli (or pip install pgcli).\n"
    )
