"""`check` when the server signs the user in and then hangs, hangs up, or answers oddly."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from tests import pg
from tests.check.fake_pg import fake_server
from tests.check.test_dataplane import check
from tests.conftest import Cli

EARLIER = ("dns.resolved", "tcp.connected", "tls.handshake", "tls.chain", "auth.ok")


def fake_check(cli: Cli, port: int, ca_file: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    where = ("--host", "localhost", "--port", str(port), "--ca-bundle", str(ca_file))
    return check(cli, None, *where, "--connect-timeout", "1", *args)


def test_a_server_that_never_answers_after_sign_in_is_bounded(cli: Cli, tmp_path: Path) -> None:
    with fake_server(tmp_path, "hang") as server:
        start = time.monotonic()
        code, found, stderr = fake_check(cli, server.port, server.ca_file)
        elapsed = time.monotonic() - start
    assert code == 6, stderr
    timeout = found["query.timeout"]
    assert timeout["status"] == "fail"
    assert timeout["message"] == "no answer to the query within 1 s."
    assert "signs clients in but does not run queries" in timeout["hint"]
    assert all(found[c]["status"] == "ok" for c in EARLIER)  # the phases that ran are kept
    assert elapsed < 6  # the bound and start-up, not a hang


def test_a_server_that_answers_once_then_hangs(cli: Cli, tmp_path: Path) -> None:
    with fake_server(tmp_path, "once") as server:
        code, found, _ = fake_check(cli, server.port, server.ca_file)
    assert code == 6
    assert found["query.ok"]["status"] == "ok"
    assert found["query.timeout"]["message"] == "no answer to round trip 1 of 3 within 1 s."


def test_a_connection_dropped_during_the_query_is_a_finding(cli: Cli, tmp_path: Path) -> None:
    with fake_server(tmp_path, "close") as server:
        code, found, stderr = fake_check(cli, server.port, server.ca_file)
    assert code == 6, stderr
    assert "This is a bug" not in stderr
    lost = found["query.lost"]
    assert lost["status"] == "fail"
    assert lost["message"].startswith("the connection was lost during the query: ")
    assert "closed the connection" in lost["hint"]
    assert all(found[c]["status"] == "ok" for c in EARLIER)


def test_a_reply_of_an_unexpected_shape_is_a_finding(cli: Cli, tmp_path: Path) -> None:
    with fake_server(tmp_path, "odd") as server:
        code, found, stderr = fake_check(cli, server.port, server.ca_file)
    assert code == 6, stderr
    odd = found["query.unexpected"]
    assert odd["status"] == "fail"
    assert odd["message"] == "the answer to the query has 1 column, not 5."
    assert "not PostgreSQL" in odd["hint"]


def test_a_backend_terminated_during_the_round_trips(cli: Cli, pg_tls: pg.PgServer) -> None:
    done = threading.Event()
    killed: list[str] = []

    def terminate() -> None:  # as an operator's pg_terminate_backend would
        while not done.is_set() and not killed:
            rows = pg_tls.psql(
                "select pg_terminate_backend(pid) from pg_stat_activity "
                "where application_name = 'proxyctl-check' and query = 'select 1'"
            )
            killed.extend(r for r in rows.splitlines() if r == "True")
            time.sleep(0.005)

    killer = threading.Thread(target=terminate)
    killer.start()
    try:
        code, found, stderr = check(
            cli,
            pg_tls,
            *("--host", "localhost", "--port", str(pg_tls.port)),
            *("--ca-bundle", str(pg_tls.ca_file), "--samples", "10000"),
        )
    finally:
        done.set()
        killer.join()
    assert killed, "the backend was never seen in pg_stat_activity"
    assert code == 6, stderr
    lost = found["query.lost"]
    assert "terminating connection due to administrator command" in lost["message"]
    assert found["auth.ok"]["status"] == "ok"


def test_a_server_mute_after_the_tls_handshake_is_bounded(cli: Cli, tmp_path: Path) -> None:
    with fake_server(tmp_path, "mute") as server:
        start = time.monotonic()
        code, found, _ = fake_check(cli, server.port, server.ca_file)
        elapsed = time.monotonic() - start
    assert code == 6
    assert found["auth.timeout"]["status"] == "fail"
    assert found["tls.chain"]["status"] == "ok"
    assert elapsed < 8  # libpq's connect_timeout (2 s at least) and start-up
