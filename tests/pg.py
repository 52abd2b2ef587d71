"""Real PostgreSQL servers for tests (proxyctl.lab.postgres), as pytest fixtures.

Fixtures (a test module enables them with ``pytest_plugins = ["tests.pg"]``):
  pg_tls     session-wide TLS server, certificate for localhost and db.test
  pg_plain   session-wide server without TLS
  pg_server  a function that starts a special server (expired certificate, own CA...)
             for one test; use it too for tests that stop or restart a server
A missing program or library fails the test (never skips it) saying how to get it.
The names test modules use from here (PgServer, APP_PASSWORD, hanging_server,
freeze_command...) are proxyctl.lab's.

PYTEST_DONT_REWRITE: this module has no asserts, and test modules import it before pytest
loads it as a plugin (which would otherwise warn that it cannot rewrite it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar

import pytest
import trustme

from proxyctl.lab.errors import LabToolMissing
from proxyctl.lab.faults import freeze_command, freeze_window, hanging_server, thawed
from proxyctl.lab.postgres import (
    APP_DATABASE,
    APP_PASSWORD,
    APP_USER,
    CERT_NAMES,
    PgServer,
    find_bindir,
    start_server,
)
from proxyctl.lab.system import HOST, free_port

__all__ = [
    "APP_DATABASE",
    "APP_PASSWORD",
    "APP_USER",
    "HOST",
    "PgServer",
    "StartServer",
    "free_port",
    "freeze_command",
    "freeze_window",
    "hanging_server",
    "or_fail",
    "start_server",
    "thawed",
]

T = TypeVar("T")


class StartServer(Protocol):
    def __call__(
        self,
        *,
        tls: bool = True,
        cert_names: tuple[str, ...] = CERT_NAMES,
        ca: trustme.CA | None = None,
        not_after: datetime | None = None,
        expired: bool = False,
    ) -> PgServer: ...


@pytest.fixture(scope="session")
def pg_bindir() -> Path:
    """The server binaries, found before each test's isolation clears PROXYCTL_PG_BINDIR."""
    return or_fail(find_bindir)


@pytest.fixture(scope="session")
def pg_tls(pg_bindir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PgServer]:
    """A TLS-only server for the session, certificate for localhost and db.test."""
    with _servers(pg_bindir, tmp_path_factory) as start:
        yield start()


@pytest.fixture(scope="session")
def pg_plain(pg_bindir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PgServer]:
    """A server without TLS for the session."""
    with _servers(pg_bindir, tmp_path_factory) as start:
        yield start(tls=False)


@pytest.fixture
def pg_server(pg_bindir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StartServer]:
    """Starts servers like `start_server` for one test; all are removed at its end."""
    with _servers(pg_bindir, tmp_path_factory) as start:
        yield start


@contextmanager
def _servers(bindir: Path, factory: pytest.TempPathFactory) -> Iterator[StartServer]:
    with ExitStack() as stack:  # removes every server even when one removal fails

        def start(**kw: Any) -> PgServer:
            server = or_fail(lambda: start_server(factory.mktemp("pg"), bindir=bindir, **kw))
            stack.callback(server.remove)
            return server

        yield start


def or_fail(make: Callable[[], T]) -> T:
    """`make()`, or fail the test (never skip it) saying what is missing and how to get it."""
    try:
        return make()
    except LabToolMissing as exc:
        missing = f"{exc.message}: {exc.hint}" if exc.hint else exc.message
    pytest.fail(missing, pytrace=False)  # outside `except`: no chained traceback
