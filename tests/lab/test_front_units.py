"""The lab proxy front's pure parts: the token check, the pin log line, the metric data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest import mock

import pytest

from proxyctl.aws.signing import EnvironmentCredentials, sign_token
from proxyctl.aws.sigv4 import presign_connect
from proxyctl.lab import pinlog, publish, signin
from proxyctl.lab.front import FrontConfig
from proxyctl.lab.tokencheck import TokenRules, token_problem
from proxyctl.model.pinlog import parse_pin_line
from proxyctl.pinrules import pins

HOST = "orders.proxy-c0ffee123456.us-east-1.rds.amazonaws.com"
KEYS = ("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
RULES = TokenRules(HOST, 5432, "us-east-1", *KEYS)
SIGNED = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


def token(
    host: str = HOST,
    port: int = 5432,
    user: str = "app",
    region: str = "us-east-1",
    keys: tuple[str, str] = KEYS,
) -> str:
    """A token as `proxyctl token` signs it, at SIGNED."""
    with mock.patch("proxyctl.aws.sigv4.utcnow", return_value=SIGNED):
        return sign_token(EnvironmentCredentials(*keys, None), host, port, user, region)


def test_a_token_signed_by_proxyctl_for_the_endpoint_passes() -> None:
    assert token_problem(token(), "app", RULES, SIGNED + timedelta(seconds=899)) is None
    # The host name's case does not matter (DNS names do not have one).
    assert token_problem(token(HOST.upper()), "app", RULES, SIGNED) is None


@pytest.mark.parametrize(
    ("made", "user", "at", "problem"),
    [
        (lambda: token()[:-1] + ("0" if token()[-1] != "0" else "1"), "app", 0, "signature"),
        (lambda: token(keys=(KEYS[0], "another-secret")), "app", 0, "signature"),
        (lambda: token(keys=("AKIAOTHERKEY00000000", KEYS[1])), "app", 0, "another access key"),
        (lambda: token(port=5433), "app", 0, f"signed for {HOST}:5433"),
        (lambda: token(host="other.example.com"), "app", 0, "signed for other.example.com"),
        (lambda: token(region="eu-west-1"), "app", 0, "region eu-west-1"),
        (lambda: token(user="admin"), "app", 0, "for user admin, not app"),
        (lambda: token(), "app", 900, "expired"),
        (lambda: token(), "app", -301, "signed in the future"),
        (lambda: "hunter2", "app", 0, "not HOST:PORT"),
        (lambda: token().replace("DBUser=app", "DBUser=app&DBUser=app"), "app", 0, "twice"),
    ],
)
def test_a_token_is_refused_with_what_is_wrong(
    made: object, user: str, at: int, problem: str
) -> None:
    assert callable(made)
    found = token_problem(made(), user, RULES, SIGNED + timedelta(seconds=at))
    assert found is not None and problem in found


def test_a_longer_x_amz_expires_does_not_stretch_a_token_past_15_minutes() -> None:
    with mock.patch("proxyctl.aws.sigv4.utcnow", return_value=SIGNED):
        hour = presign_connect(
            EnvironmentCredentials(*KEYS, None), HOST, 5432, "app", "us-east-1", "rds-db", 3600
        )
    assert token_problem(hour, "app", RULES, SIGNED + timedelta(seconds=899)) is None
    assert token_problem(hour, "app", RULES, SIGNED + timedelta(seconds=900)) == "it has expired"


def test_check_password_takes_a_token_or_the_secret_and_says_rds_proxy_s_words() -> None:
    passwords = {"app": "s3cret"}
    assert signin.check_password("app", token(), passwords, RULES, SIGNED) == "s3cret"
    assert signin.check_password("app", "s3cret", passwords, None) == "s3cret"
    cases = [
        ("app", "s3cret", RULES, signin.IAM_FAILED),
        ("app", "wrong", None, signin.WRONG_PASSWORD),
        ("nobody", "s3cret", None, signin.NO_CREDENTIALS),
    ]
    for user, password, rules, text in cases:
        with pytest.raises(signin.Refusal) as refused:
            signin.check_password(user, password, passwords, rules, SIGNED)
        assert refused.value.text == text.format(user=user)
        assert refused.value.auth


def test_start_up_parameters_outside_what_rds_proxy_tracks_are_refused() -> None:
    assert signin.check_parameters({"user": "app", "TimeZone": "UTC"}) == "app"
    with pytest.raises(signin.Refusal) as refused:
        signin.check_parameters({"user": "app", "options": "-c work_mem=1MB"})
    assert refused.value.sqlstate == "0A000"
    assert refused.value.text == (
        "Feature not supported: RDS Proxy currently doesn\u2019t support command-line options."
    )
    with pytest.raises(signin.Refusal) as refused:
        signin.check_parameters({"database": "app"})
    assert refused.value.text == "A user name is missing from the connection startup packet."


def test_the_digest_replaces_literals_in_order_and_squeezes_space() -> None:
    sql = "set search_path = 'a'; -- why\n  set  statement_timeout =\t5000;"
    assert pinlog.digest(sql) == "set search_path = $1; set statement_timeout = $2;"


def test_the_pin_line_is_rds_proxy_s_and_proxyctl_pinning_reads_it() -> None:
    when = datetime(2026, 3, 1, 12, 0, 0, 251000, tzinfo=UTC)
    line = pinlog.pin_line(when, 3888679423, 529039385, pinlog.SETTINGS_REASON, "SET x = 1")
    assert line == (
        "2026-03-01T12:00:00.251Z [WARN] [proxyEndpoint=default] [clientConnection=3888679423] "
        "The client session was pinned to the database connection [dbConnection=529039385] "
        "for the remainder of the session. The proxy can't reuse this connection until the "
        "session ends. Reason: SQL changed session settings that the proxy doesn't track. "
        "Consider moving session configuration to the proxy's initialization query. "
        'Digest: "SET x = $1".'
    )
    # `proxyctl pinning --from-logs` reads it back whole, and finds the pin in its digest.
    read = parse_pin_line(when, line)
    assert (read.reason, read.digest) == (pinlog.SETTINGS_REASON.rstrip("."), "SET x = $1")
    assert (read.client_connection, read.db_connection) == ("3888679423", "529039385")
    assert read.endpoint == "default"
    assert [pin.rule.id for pin in pins(read.digest)] == ["set"]


def test_metric_data_sends_gauges_as_they_are_counts_as_changes_and_a_mean_latency() -> None:
    before = publish.new_counters()
    now = dict(before, ClientConnections=3, QueryRequests=10, Borrows=2)
    now[publish.BORROW_TOTAL] = 5000.0
    before["QueryRequests"] = 4
    at = SIGNED + timedelta(seconds=42)
    items = {i["MetricName"]: i for i in publish.metric_data(now, before, "orders", at)}
    assert items["ClientConnections"]["Value"] == 3
    assert items["QueryRequests"]["Value"] == 6
    assert items["DatabaseConnectionsBorrowLatency"]["Value"] == 2500.0
    assert items["DatabaseConnectionsBorrowLatency"]["Unit"] == "Microseconds"
    assert items["QueryRequests"]["Dimensions"] == [{"Name": "ProxyName", "Value": "orders"}]
    # Counts at the moment; gauges at the start of its minute: one per any 60 s period.
    assert items["QueryRequests"]["Timestamp"] == SIGNED + timedelta(seconds=42)
    assert items["ClientConnections"]["Timestamp"] == SIGNED
    # No borrow in the interval: no latency point at all (AWS leaves the series empty).
    idle = {i["MetricName"] for i in publish.metric_data(now, now, "orders", SIGNED)}
    assert "DatabaseConnectionsBorrowLatency" not in idle
    # Gauges go out once a minute only: a reader sums a minute's values.
    later = {i["MetricName"] for i in publish.metric_data(now, now, "orders", SIGNED, False)}
    assert "ClientConnections" not in later and "QueryRequests" in later
    # The pooler's limit only when the lab set one.
    assert "MaxDatabaseConnectionsAllowed" not in idle


def test_the_front_s_settings_keep_passwords_and_keys_out_of_their_repr(tmp_path: Path) -> None:
    config = FrontConfig(
        proxy="orders",
        endpoint=HOST,
        port=5432,
        listen=("127.0.0.1", 0),
        cert_file=tmp_path / "c",
        key_file=tmp_path / "k",
        backend=("127.0.0.1", 6432),
        region="us-east-1",
        access_key=KEYS[0],
        secret_key=KEYS[1],
        passwords={"app": "s3cret-password"},
        admin_password="admin-s3cret",
    )
    shown = repr(config)
    assert "orders" in shown
    assert not [s for s in (KEYS[1], "s3cret-password", "admin-s3cret") if s in shown]
