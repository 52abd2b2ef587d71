"""Servers for the shell's tests: the session's TLS server (tests.pg), and one where the
user `tok` signs in by `trust`, so that an IAM token is sent and not checked (the way to
count the tokens a shell makes against a real server)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pg import PgServer, or_fail, start_server
from tests.shell.trust import trust

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


@pytest.fixture(scope="module")
def pg_trust(pg_bindir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PgServer]:
    server = or_fail(lambda: start_server(tmp_path_factory.mktemp("pg"), bindir=pg_bindir))
    try:
        trust(server, TOKEN_USER)
        yield server
    finally:
        server.remove()
