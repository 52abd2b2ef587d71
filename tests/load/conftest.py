"""A small database (max_connections 10: 7 slots for `app`) and a PgBouncer in transaction
mode with a pool of 3 in front of it, shared by the module's tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from proxyctl.lab.pgbouncer import PgBouncer, PoolerOptions, start_pgbouncer
from proxyctl.lab.postgres import PgServer
from tests.pg import StartServer, or_fail

POOL_SIZE = 3


@pytest.fixture(scope="module")
def small_db(pg_bindir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PgServer]:
    from tests.pg import _servers

    with _servers(pg_bindir, tmp_path_factory) as start:
        yield start_small(start)


def start_small(start: StartServer) -> PgServer:
    return start(settings={"max_connections": "10", "superuser_reserved_connections": "3"})


@pytest.fixture(scope="module")
def pooler(small_db: PgServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PgBouncer]:
    options = PoolerOptions(pool_mode="transaction", every_database=True)
    bouncer = or_fail(
        lambda: start_pgbouncer(small_db, tmp_path_factory.mktemp("bouncer"), options=options)
    )
    try:
        ini = bouncer.base_dir / "pgbouncer.ini"
        ini.write_text(ini.read_text() + f"default_pool_size = {POOL_SIZE}\n")
        bouncer.admin("RELOAD")
        yield bouncer
    finally:
        bouncer.stop()


@pytest.fixture(autouse=True)
def app_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGPASSWORD", "app-password")


def options(port: int, ca_file: Path | None) -> list[str]:
    """The connection options for `app` at localhost:PORT, signed in with PGPASSWORD."""
    return [
        "--host", "localhost", "--port", str(port), "--ca-bundle", str(ca_file),
        "--user", "app", "--database", "app", "--auth", "password",
    ]  # fmt: skip
