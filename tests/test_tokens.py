"""Reading tokens offline, choosing the region, and the print formats."""

from __future__ import annotations

import shlex
import subprocess
from datetime import UTC, datetime, timedelta
from unittest import mock
from urllib.parse import unquote, urlsplit

import pytest

from proxyctl import tokens
from proxyctl.aws import signing
from proxyctl.errors import UsageError
from tests.conftest import ACCESS_KEY_ID, SAMPLE_HOST

SIGNED_AT = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


def signed_token(user: str = "app", host: str = SAMPLE_HOST, port: int = 5432) -> str:
    with mock.patch("proxyctl.aws.sigv4.utcnow", return_value=SIGNED_AT):
        credentials = signing.frozen_credentials(None)
        return signing.sign_token(credentials, host, port, user, "us-east-1")


def test_inspect_reads_every_field() -> None:
    info = tokens.inspect_token(signed_token(), SIGNED_AT + timedelta(seconds=100))
    assert (info.host, info.port, info.user, info.region) == (SAMPLE_HOST, 5432, "app", "us-east-1")
    assert info.access_key_id == "AKIA************MPLE"
    assert ACCESS_KEY_ID not in info.text()
    assert info.signed_at == SIGNED_AT
    assert info.expires_at == SIGNED_AT + timedelta(seconds=900)
    assert info.lifetime_seconds == 900
    assert info.seconds_left == 800
    assert not info.expired
    assert not info.temporary_credentials


def test_inspect_says_expired_after_fifteen_minutes() -> None:
    info = tokens.inspect_token(signed_token(), SIGNED_AT + timedelta(seconds=901))
    assert info.expired and info.seconds_left == 0
    assert "expired" in info.text()


def test_inspect_sees_temporary_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SESSION_TOKEN", "FwoGZXIvYXdzEXAMPLE/+=")
    info = tokens.inspect_token(signed_token(), SIGNED_AT)
    assert info.temporary_credentials


def test_inspect_accepts_a_token_copied_from_a_uri() -> None:
    token = signed_token()
    made = tokens.AuthToken(
        token, SAMPLE_HOST, 5432, "app", "us-east-1", "postgres", SIGNED_AT, SIGNED_AT
    )
    password = urlsplit(tokens.uri(made)).password
    assert password is not None and unquote(password) == token
    assert tokens.inspect_token(password, SIGNED_AT).user == "app"


def _replace(token: str, old: str, new: str) -> str:
    assert old in token
    return token.replace(old, new)


MALFORMED = [
    (lambda t: "", "it is empty"),
    (lambda t: "   \n", "it is empty"),
    (lambda t: "hello", "no '/?'"),
    (lambda t: t.split("/?")[0], "no '/?'"),
    (lambda t: _replace(t, ":5432/", "/"), "is not HOST:PORT"),
    (lambda t: _replace(t, ":5432/", ":99999/"), "is not HOST:PORT"),
    (lambda t: _replace(t, "Action=connect", "Action=login"), "not 'connect'"),
    (lambda t: _replace(t, "&DBUser=app", ""), "lacks DBUser"),
    (lambda t: t.split("&X-Amz-Signature")[0], "lacks X-Amz-Signature"),
    (lambda t: t[:-3], "not 64 hexadecimal digits"),
    (lambda t: _replace(t, "X-Amz-Date=20260301T120000Z", "X-Amz-Date=yesterday"), "X-Amz-Date"),
    (lambda t: _replace(t, "X-Amz-Expires=900", "X-Amz-Expires=soon"), "X-Amz-Expires"),
    (lambda t: _replace(t, "%2Frds-db%2F", "%2Fs3%2F"), "credential scope"),
    (lambda t: t + "&DBUser=other", "DBUser appear more than once"),
]


@pytest.mark.parametrize(("mangle", "problem"), MALFORMED)
def test_inspect_rejects_malformed_tokens(mangle: object, problem: str) -> None:
    assert callable(mangle)
    with pytest.raises(UsageError) as caught:
        tokens.inspect_token(mangle(signed_token()), SIGNED_AT)
    assert problem in caught.value.message
    assert caught.value.field == "TOKEN"


def test_mask_key_id_keeps_kind_and_last_four() -> None:
    assert tokens.mask_key_id("ASIAXYZ1234567890ABCD") == "ASIA*************ABCD"
    assert tokens.mask_key_id("short") == "*****"


@pytest.mark.parametrize(
    ("configured", "host", "profile", "region", "warns"),
    [
        ("eu-west-1", "db.example.com", None, "eu-west-1", False),
        (None, SAMPLE_HOST, "ap-south-1", "us-east-1", False),
        (None, "x.proxy-abc.eu-central-2.rds.amazonaws.com", None, "eu-central-2", False),
        (None, "x.proxy-abc.cn-north-1.rds.amazonaws.com.cn", None, "cn-north-1", False),
        (None, "db.example.com", "ap-south-1", "ap-south-1", False),
        ("eu-west-1", SAMPLE_HOST, None, "eu-west-1", True),
        ("us-east-1", SAMPLE_HOST, None, "us-east-1", False),
    ],
)
def test_choose_region(
    configured: str | None, host: str, profile: str | None, region: str, warns: bool
) -> None:
    chosen, warning = tokens.choose_region(configured, host, lambda: profile)
    assert chosen == region
    assert (warning is not None) == warns
    if warning:
        assert "--region us-east-1" in warning


def test_choose_region_without_any_names_the_flag() -> None:
    with pytest.raises(UsageError) as caught:
        tokens.choose_region(None, "db.example.com", lambda: None)
    assert caught.value.field == "--region"


def test_env_lines_survive_a_shell() -> None:
    token = signed_token(user="o'brien")
    made = tokens.AuthToken(
        token, SAMPLE_HOST, 5432, "o'brien", "us-east-1", "my db", SIGNED_AT, SIGNED_AT
    )
    script = (
        tokens.env_lines(made)
        + 'printf "%s\\n" "$PGHOST" "$PGUSER" "$PGDATABASE" "$PGSSLMODE" "$PGPASSWORD"'
    )
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == [SAMPLE_HOST, "o'brien", "my db", "verify-full", token]
    assert shlex.split(tokens.env_lines(made).splitlines()[1]) == ["export", "PGPORT=5432"]


def test_uri_round_trips_user_password_and_database() -> None:
    token = signed_token(user="app@corp")
    made = tokens.AuthToken(
        token, SAMPLE_HOST, 5432, "app@corp", "us-east-1", "orders", SIGNED_AT, SIGNED_AT
    )
    parts = urlsplit(tokens.uri(made))
    assert parts.scheme == "postgresql"
    assert unquote(parts.username or "") == "app@corp"
    assert unquote(parts.password or "") == token
    assert (parts.hostname, parts.port, parts.path) == (SAMPLE_HOST, 5432, "/orders")
    assert parts.query == "sslmode=verify-full"


def test_inspect_rejects_an_impossible_date() -> None:
    token = signed_token().replace("X-Amz-Date=20260301T120000Z", "X-Amz-Date=20261341T250000Z")
    with pytest.raises(UsageError, match="X-Amz-Date '20261341T250000Z' is not YYYYMMDDTHHMMSSZ"):
        tokens.inspect_token(token, SIGNED_AT)
