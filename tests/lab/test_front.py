"""The lab's proxy front as a PostgreSQL client sees it, against a real PostgreSQL behind
PgBouncer, with psycopg checking the front's certificate (verify-full) for the proxy's
endpoint name while it connects to 127.0.0.1 (`hostaddr`), and moto's server as the
AWS stand-in that receives its pin log lines and metrics.

One PgBouncer and two fronts (IAM auth required; secret auth) serve the module.
"""

from __future__ import annotations

import secrets
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from unittest import mock

import psycopg
import pytest

from proxyctl.aws.clients import endpoint_client
from proxyctl.aws.signing import EnvironmentCredentials, sign_token
from proxyctl.lab import certs
from proxyctl.lab.aws_world import CREDENTIALS, REGION
from proxyctl.lab.front import Front, FrontConfig
from proxyctl.lab.pgbouncer import ADMIN_USER, PgBouncer, find_pgbouncer, start_pgbouncer
from proxyctl.lab.signin import IAM_FAILED, NO_CREDENTIALS, NO_TLS, WRONG_PASSWORD
from tests.pg import APP_PASSWORD, PgServer, or_fail

ENDPOINT = "orders.proxy-c0ffee123456.us-east-1.rds.amazonaws.com"
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
    """The lab CA's certificate; the CA's certificate for ENDPOINT sits next to it."""
    folder = tmp_path_factory.mktemp("front-certs")
    ca = certs.new_ca()
    certs.write_ca(ca, folder / "ca.pem")
    certs.write_leaf(certs.issue(ca, (ENDPOINT,)), folder / "front.crt", folder / "front.key")
    return folder / "ca.pem"


def make_front(bouncer: PgBouncer, ca_file: Path, aws_url: str, **kw: Any) -> Front:
    config = FrontConfig(
        proxy=f"front-{secrets.token_hex(4)}",  # its own log group and metrics in moto
        endpoint=ENDPOINT,
        port=5432,
        listen=("127.0.0.1", 0),
        cert_file=ca_file.parent / "front.crt",
        key_file=ca_file.parent / "front.key",
        backend=("127.0.0.1", bouncer.port),
        region=REGION,
        access_key=CREDENTIALS[0],
        secret_key=CREDENTIALS[1],
        passwords={"app": APP_PASSWORD},
        aws_url=aws_url,
        metrics_interval=0.5,
        log_interval=0.2,
        **kw,
    )
    front = Front(config)
    front.start()
    return front


@pytest.fixture(scope="module")
def iam_front(bouncer: PgBouncer, ca_file: Path, moto_server: str) -> Iterator[Front]:
    """IAM auth required; it reads PgBouncer's own count of server connections."""
    front = make_front(
        bouncer,
        ca_file,
        moto_server,
        iam=True,
        admin_user=ADMIN_USER,
        admin_password=bouncer.admin_password,
    )
    yield front
    front.stop()


@pytest.fixture(scope="module")
def secret_front(bouncer: PgBouncer, ca_file: Path) -> Iterator[Front]:
    """Secret (password) auth; no AWS stand-in: it publishes nothing."""
    front = make_front(bouncer, ca_file, "", iam=False)
    yield front
    front.stop()


def token(port: int = 5432, user: str = "app", signed_at: datetime | None = None) -> str:
    """An IAM token as proxyctl signs one, with the lab's credentials."""
    at = signed_at or datetime.now(UTC)
    with mock.patch("proxyctl.aws.sigv4.utcnow", return_value=at):
        credentials = EnvironmentCredentials(*CREDENTIALS, None)
        return sign_token(credentials, ENDPOINT, port, user, REGION)


def connect(front: Front, ca_file: Path, password: str, **kw: Any) -> psycopg.Connection[Any]:
    host, port = front.address
    params: dict[str, Any] = {
        "host": ENDPOINT,
        "hostaddr": host,
        "port": port,
        "user": "app",
        "dbname": "app",
        "password": password,
        "sslmode": "verify-full",
        "sslrootcert": str(ca_file),
        "connect_timeout": 10,
        "autocommit": True,
        **kw,
    }
    return psycopg.connect(**params)


def refusal(front: Front, ca_file: Path, password: str, **kw: Any) -> str:
    """The server's message of a refused connection."""
    with pytest.raises(psycopg.OperationalError) as refused:
        connect(front, ca_file, password, **kw).close()
    return str(refused.value)


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

    def total(name: str) -> float | None:
        points = cloudwatch.get_metric_statistics(
            Namespace="AWS/RDS",
            MetricName=name,
            Dimensions=dimensions,
            StartTime=datetime.now(UTC) - timedelta(minutes=10),
            EndTime=datetime.now(UTC) + timedelta(minutes=1),
            Period=60,
            Statistics=["Sum"],
        )["Datapoints"]
        return sum(p["Sum"] for p in points) or None

    assert eventually(lambda: total("ClientConnectionsSetupFailedAuth"), "failed auth") >= 1
    assert eventually(lambda: total("QueryRequests"), "QueryRequests") >= 1
    assert eventually(lambda: total("ClientConnectionsReceived"), "connections") >= 2
    latency = eventually(lambda: total("DatabaseConnectionsBorrowLatency"), "borrow latency")
    assert 0 < latency < 60e6  # microseconds
    names = {m["MetricName"] for m in cloudwatch.list_metrics(Dimensions=dimensions)["Metrics"]}
    assert {"ClientConnections", "DatabaseConnections"} <= names
    assert "DatabaseConnectionsCurrentlySessionPinned" in names
