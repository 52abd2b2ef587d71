"""Servers for the shell's tests: the session's TLS server (tests.pg), and one where the
user `tok` signs in by `trust`, so that an IAM token is sent and not checked (the way to
count the tokens a shell makes against a real server)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pg import PgServer, or_fail, start_server

TOKEN_USER = "tok"


def where(server: PgServer) -> list[str]:
    """The connection options for SERVER's `app` user, signed in with PGPASSWORD."""
    return [
        "--host",
        "localhost",
        "--port",
        str(server.port),
        "--ca-bundle",
        str(server.ca_file),
        "--user",
        "app",
        "--database",
        "app",
        "--auth",
        "password",
    ]


def trust(server: PgServer, user: str) -> None:
    """Let USER sign in over TLS without a password check (a token is sent, not read)."""
    server.psql(f"create role {user} login; grant all on database app to {user}")
    server.psql(f"grant all on schema public to {user}", dbname="app")
    hba = server.data_dir / "pg_hba.conf"
    hba.write_text(f"hostssl all {user} 127.0.0.1/32 trust\n" + hba.read_text())
    server.reload()


@pytest.fixture(scope="module")
def pg_trust(pg_bindir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PgServer]:
    server = or_fail(lambda: start_server(tmp_path_factory.mktemp("pg"), bindir=pg_bindir))
    try:
        trust(server, TOKEN_USER)
        yield server
    finally:
        server.remove()
