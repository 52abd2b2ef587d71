"""The lab's proxy front as a PostgreSQL client sees it, against a real PostgreSQL behind
PgBouncer, with psycopg checking the front's certificate (verify-full) for the proxy's
endpoint name while it connects to 127.0.0.1 (`hostaddr`), and moto's server as the
AWS stand-in that receives its pin log lines and metrics.

One PgBouncer and two fronts (IAM auth required; secret auth) serve the module.
"""

from __future__ import annotations

import asyncio
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import psycopg
import pytest

from proxyctl.aws.clients import endpoint_client
from proxyctl.lab import backend
from proxyctl.lab.aws_world import CREDENTIALS, REGION
from proxyctl.lab.front import Front
from proxyctl.lab.pgbouncer import ADMIN_USER, PgBouncer, find_pgbouncer, start_pgbouncer
from proxyctl.lab.signin import IAM_FAILED, NO_CREDENTIALS, NO_TLS, WRONG_PASSWORD
from tests.lab.fronts import connect, make_ca, make_front, refusal, token
from tests.pg import APP_PASSWORD, PgServer, or_fail

OPTIONS_REFUSED = (
    "Feature not supported: RDS Proxy currently doesn\u2019t support command-line options."
)
T = TypeVar("T")


@pytest.fixture(scope="module")
def bouncer(pg_tls: PgServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PgBouncer]:
    or_fail(find_pgbouncer)
    running = or_fail(lambda: start_pgbouncer(pg_tls, tmp_path_factory.mktemp("bouncer")))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def ca_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_ca(tmp_path_factory.mktemp("front-certs"))


@pytest.fixture(scope="module")
def iam_front(bouncer: PgBouncer, ca_file: Path, moto_server: str) -> Iterator[Front]:
    """IAM auth required; it reads PgBouncer's own count of server connections."""
    front = make_front(
        bouncer.port,
        ca_file,
        moto_server,
        iam=True,
        admin_user=ADMIN_USER,
        admin_password=bouncer.admin_password,
        max_database_connections=20,
    )
    yield front
    front.stop()


@pytest.fixture(scope="module")
def secret_front(bouncer: PgBouncer, ca_file: Path) -> Iterator[Front]:
    """Secret (password) auth; no AWS stand-in: it publishes nothing."""
    front = make_front(bouncer.port, ca_file, "", iam=False)
    yield front
    front.stop()


def test_a_good_iam_token_runs_a_query_and_the_client_gets_no_cancel_key(
    iam_front: Front, ca_file: Path
) -> None:
    with connect(iam_front, ca_file, token()) as conn:
        row = conn.execute("select current_user, current_database()").fetchone()
        assert row == ("app", "app")
        assert conn.info.backend_pid == 0  # no BackendKeyData, as from RDS Proxy
        assert conn.info.parameter_status("server_version")  # the server's, relayed
        with pytest.raises(psycopg.OperationalError):
            conn.cancel()


def test_a_plaintext_client_is_refused_with_rds_proxy_s_text(
    iam_front: Front, ca_file: Path
) -> None:
    failed = iam_front.stats()["ClientConnectionsSetupFailedAuth"]
    message = refusal(iam_front, ca_file, token(), sslmode="disable")
    assert f"FATAL:  {NO_TLS}" in message
    assert iam_front.stats()["ClientConnectionsSetupFailedAuth"] == failed + 1


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(lambda: token()[:-4] + "0000", id="bad-signature"),
        pytest.param(
            lambda: token(signed_at=datetime.now(UTC) - timedelta(minutes=16)), id="expired"
        ),
        pytest.param(lambda: token(port=5433), id="another-port"),
        pytest.param(lambda: token(user="postgres"), id="another-user"),
        pytest.param(lambda: APP_PASSWORD, id="the-secret-s-password"),
    ],
)
def test_a_token_that_is_not_good_is_refused_with_rds_proxy_s_text(
    iam_front: Front, ca_file: Path, bad: Callable[[], str]
) -> None:
    message = refusal(iam_front, ca_file, bad())
    assert f"FATAL:  {IAM_FAILED.format(user='app')}" in message


def test_a_start_up_option_is_refused_as_by_rds_proxy(
    iam_front: Front, ca_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PGOPTIONS", "-c work_mem=64MB")
    assert f"FATAL:  {OPTIONS_REFUSED}" in refusal(iam_front, ca_file, token())


def test_start_up_settings_the_proxy_tracks_are_passed_on(iam_front: Front, ca_file: Path) -> None:
    with connect(iam_front, ca_file, token(), application_name="billing") as conn:
        row = conn.execute("select current_setting('application_name')").fetchone()
    assert row == ("billing",)


def test_a_cancel_request_is_read_and_dropped(iam_front: Front, ca_file: Path) -> None:
    """The proxy gives out no cancel keys: a CancelRequest (with any key) gets the
    connection closed and cancels nothing."""
    with connect(iam_front, ca_file, token()) as conn:
        result: list[Any] = []
        sleeper = threading.Thread(
            target=lambda: result.append(conn.execute("select pg_sleep(1), 'done'").fetchone())
        )
        sleeper.start()
        time.sleep(0.2)
        with socket.create_connection(iam_front.address, timeout=5) as sock:
            sock.sendall(struct.pack("!iiii", 16, 80877102, 4242, 4242))
            assert sock.recv(100) == b""  # closed, nothing said
        sleeper.join(10)
    assert result == [("", "done")]


def test_secret_auth_takes_the_secret_s_password_and_says_rds_proxy_s_words(
    secret_front: Front, ca_file: Path
) -> None:
    with connect(secret_front, ca_file, APP_PASSWORD) as conn:
        assert conn.execute("select 1").fetchone() == (1,)
        # Without PgBouncer's console the front counts the server connection it holds.
        assert secret_front.stats()["DatabaseConnections"] == 1
    wrong = refusal(secret_front, ca_file, "not-the-password")
    assert f"FATAL:  {WRONG_PASSWORD.format(user='app')}" in wrong
    nobody = refusal(secret_front, ca_file, APP_PASSWORD, user="ghost")
    assert f"FATAL:  {NO_CREDENTIALS.format(user='ghost')}" in nobody


def test_database_connections_are_pgbouncer_s_own_count(iam_front: Front, ca_file: Path) -> None:
    with connect(iam_front, ca_file, token()) as conn:
        conn.execute("select 1")
        during = iam_front.stats()
    after = iam_front.stats()
    assert during["ClientConnections"] >= 1
    # PgBouncer (session mode here) lends one server connection to the open session.
    assert during["DatabaseConnectionsCurrentlyBorrowed"] >= 1
    assert after["DatabaseConnections"] >= 1  # kept idle in its pool for the next client


def eventually(look: Callable[[], T | None], what: str, timeout: float = 20) -> T:
    """LOOK's first answer that is not None, asked every 0.2 s until TIMEOUT."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = look()
        if found is not None:
            return found
        time.sleep(0.2)
    pytest.fail(f"{what} did not appear within {timeout} s")


def test_pin_log_lines_appear_in_the_stand_in_once_per_session(
    iam_front: Front, ca_file: Path, moto_server: str
) -> None:
    with connect(iam_front, ca_file, token()) as conn:
        conn.execute("SET statement_timeout = 5000")  # a Parse message
        conn.execute("SET lock_timeout = 100")  # pinned already: no second line
    with connect(iam_front, ca_file, token()) as conn:
        cur = psycopg.ClientCursor(conn)
        cur.execute("select 1; set search_path = 'public'")  # a simple Query
    logs = endpoint_client("logs", moto_server, REGION, CREDENTIALS)
    group = f"/aws/rds/proxy/{iam_front.config.proxy}"

    def lines() -> list[str] | None:
        try:
            events = logs.filter_log_events(logGroupName=group)["events"]
        except logs.exceptions.ResourceNotFoundException:
            return None
        return [e["message"] for e in events] if len(events) >= 2 else None

    found = eventually(lines, f"two pin lines in {group}")
    assert len(found) == 2
    assert found[0].endswith(
        "Reason: SQL changed session settings that the proxy doesn't track. Consider moving "
        "session configuration to the proxy's initialization query. Digest: \"SET "
        'statement_timeout = $1".'
    )
    assert found[1].endswith('Digest: "select $1; set search_path = $2".')
    assert "[WARN] [proxyEndpoint=default] [clientConnection=" in found[0]
    assert iam_front.stats()["DatabaseConnectionsCurrentlySessionPinned"] == 0  # both ended


def test_the_proxy_s_metrics_appear_in_the_stand_in(
    iam_front: Front, ca_file: Path, moto_server: str
) -> None:
    with connect(iam_front, ca_file, token()) as conn:
        conn.execute("select 1")
    refusal(iam_front, ca_file, "not a token")
    cloudwatch = endpoint_client("cloudwatch", moto_server, REGION, CREDENTIALS)
    dimensions = [{"Name": "ProxyName", "Value": iam_front.config.proxy}]

    def points(name: str, statistic: str) -> list[float]:
        """NAME's STATISTIC per minute over the last minutes."""
        found = cloudwatch.get_metric_statistics(
            Namespace="AWS/RDS",
            MetricName=name,
            Dimensions=dimensions,
            StartTime=datetime.now(UTC) - timedelta(minutes=10),
            EndTime=datetime.now(UTC) + timedelta(minutes=1),
            Period=60,
            Statistics=[statistic],
        )["Datapoints"]
        return [float(p[statistic]) for p in found]

    def total(name: str) -> float | None:
        return sum(points(name, "Sum")) or None

    assert eventually(lambda: total("ClientConnectionsSetupFailedAuth"), "failed auth") >= 1
    assert eventually(lambda: total("QueryRequests"), "QueryRequests") >= 1
    assert eventually(lambda: total("ClientConnectionsReceived"), "connections") >= 2
    latency = eventually(lambda: total("DatabaseConnectionsBorrowLatency"), "borrow latency")
    assert 0 < latency < 60e6  # microseconds
    assert eventually(lambda: total("QueryResponseLatency"), "query response latency") > 0
    assert eventually(lambda: total("MaxDatabaseConnectionsAllowed"), "the limit") >= 20

    # A gauge is read as its Sum over a minute: one value per minute, never several,
    # while counts go out at every publication.
    def thrice() -> bool | None:
        return max(points("ClientConnectionsReceived", "SampleCount"), default=0) >= 3 or None

    eventually(thrice, "three publications in a minute")
    assert set(points("ClientConnections", "SampleCount")) == {1.0}
    names = {m["MetricName"] for m in cloudwatch.list_metrics(Dimensions=dimensions)["Metrics"]}
    assert {"DatabaseConnections", "DatabaseConnectionsCurrentlySessionPinned"} <= names


def test_a_refusal_from_behind_the_proxy_reaches_the_client_as_rds_proxy_words_it(
    secret_front: Front, ca_file: Path
) -> None:
    message = refusal(secret_front, ca_file, APP_PASSWORD, dbname="nowhere")
    assert "FATAL:  Request returned an error: " in message
    assert "nowhere" in message
    assert secret_front.stats()["DatabaseConnectionsSetupFailed"] >= 1


def test_long_statements_and_big_results_pass_through_whole(
    secret_front: Front, ca_file: Path
) -> None:
    values = ",".join(str(n) for n in range(5000))  # a statement of about 24 KB
    with connect(secret_front, ca_file, APP_PASSWORD) as conn:
        row = conn.execute(f"select array_length(array[{values}], 1)").fetchone()
        assert row == (5000,)
        with conn.cursor().copy("copy (select generate_series(1, 100000)) to stdout") as copy:
            received = b"".join(bytes(block) for block in copy)
    assert received.count(b"\n") == 100000


def test_stop_ends_every_session_and_its_thread(bouncer: PgBouncer, ca_file: Path) -> None:
    front = make_front(bouncer.port, ca_file, "", iam=False)
    conn = connect(front, ca_file, APP_PASSWORD)
    try:
        conn.execute("select 1")
        front.stop()
        with pytest.raises(psycopg.OperationalError):
            conn.execute("select 1")
    finally:
        conn.close()
    assert not [t for t in threading.enumerate() if t.name == f"front-{front.config.proxy}"]


def test_a_plaintext_server_behind_is_signed_in_to_with_scram(
    pg_plain: PgServer, ca_file: Path
) -> None:
    """The lab's PgBouncer may listen without TLS on loopback: the front then signs in
    in plaintext (PostgreSQL itself here, scram-sha-256)."""
    front = make_front(pg_plain.port, ca_file, "", iam=False)
    try:
        with connect(front, ca_file, APP_PASSWORD) as conn:
            sql = "select current_user, ssl from pg_stat_ssl where pid = pg_backend_pid()"
            row = conn.execute(sql).fetchone()
    finally:
        front.stop()
    assert row == ("app", False)  # the front's own hop, in plaintext


def test_extra_float_digits_as_jdbc_sends_it_is_taken(secret_front: Front) -> None:
    """JDBC sends extra_float_digits at start-up; RDS Proxy takes it, PgBouncer refuses
    it. (libpq cannot send it: the front's own client side speaks the protocol here.)"""

    async def select_one() -> list[dict[str, str | None]]:
        params = {"database": "app", "extra_float_digits": "3"}
        server = await backend.open_backend(secret_front.address, "app", APP_PASSWORD, params)
        try:
            return await backend.simple_query(server, "select 1 as one")
        finally:
            server.close()

    assert asyncio.run(select_one()) == [{"one": "1"}]
