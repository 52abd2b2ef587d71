"""The token is the one botocore's own generate_db_auth_token makes."""

from __future__ import annotations

from datetime import UTC, datetime
from unittest import mock

import boto3
import pytest

from proxyctl.aws import signing
from proxyctl.tokens import TOKEN_LIFETIME_SECONDS, inspect_token
from tests.conftest import SAMPLE_HOST

FROZEN = datetime(2026, 11, 26, 9, 30, 15)
OUR_CLOCK = mock.patch("proxyctl.aws.sigv4.utcnow", return_value=FROZEN.replace(tzinfo=UTC))


@pytest.mark.parametrize("session_token", [None, "IQoJb3JpZ2luX2VjEXAMPLE/with+odd=chars"])
@pytest.mark.parametrize(
    ("host", "port", "user"), [(SAMPLE_HOST, 5432, "app"), ("10.0.0.5", 6432, "a b&c")]
)
def test_same_token_as_botocore(
    monkeypatch: pytest.MonkeyPatch, session_token: str | None, host: str, port: int, user: str
) -> None:
    if session_token:
        monkeypatch.setenv("AWS_SESSION_TOKEN", session_token)
    with mock.patch("botocore.auth.get_current_datetime", return_value=FROZEN), OUR_CLOCK:
        credentials = signing.frozen_credentials(None)
        ours = signing.sign_token(credentials, host, port, user, "eu-west-1")
        theirs = (
            boto3.Session()
            .client("rds", region_name="eu-west-1")
            .generate_db_auth_token(DBHostname=host, Port=port, DBUsername=user)
        )
    assert ours == theirs
    info = inspect_token(ours, FROZEN.astimezone())
    assert info.lifetime_seconds == TOKEN_LIFETIME_SECONDS == 900


def test_issue_token_times_come_from_the_signature() -> None:
    with OUR_CLOCK:
        made, warning = signing.issue_token(None, None, SAMPLE_HOST, 5432, "app", "postgres")
    assert warning is None
    assert made.region == "us-east-1"  # from the host name
    assert made.issued_at.strftime("%Y%m%dT%H%M%S") == "20261126T093015"
    assert (made.expires_at - made.issued_at).total_seconds() == 900


PROFILE_KEY = "AKIAPROFILEKEY000001"


def with_profile(isolated: object, monkeypatch: pytest.MonkeyPatch) -> None:
    from pathlib import Path

    assert isinstance(isolated, Path)
    path = isolated / "aws" / "credentials"
    path.write_text(f"[ci]\naws_access_key_id = {PROFILE_KEY}\naws_secret_access_key = s3cr3t\n")


def key_of(token: str) -> str:
    from urllib.parse import parse_qs

    return parse_qs(token.split("/?", 1)[1])["X-Amz-Credential"][0].split("/")[0]


def test_named_profile_beats_environment_keys(
    isolated: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_profile(isolated, monkeypatch)
    made, _ = signing.issue_token("ci", None, SAMPLE_HOST, 5432, "app", "postgres")
    assert key_of(made.token) == PROFILE_KEY


def test_environment_keys_beat_aws_profile_like_botocore(
    isolated: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_profile(isolated, monkeypatch)
    monkeypatch.setenv("AWS_PROFILE", "ci")
    made, _ = signing.issue_token(None, None, SAMPLE_HOST, 5432, "app", "postgres")
    assert key_of(made.token) == boto3.Session().get_credentials().access_key != PROFILE_KEY
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    made, _ = signing.issue_token(None, None, SAMPLE_HOST, 5432, "app", "postgres")
    assert key_of(made.token) == PROFILE_KEY


@pytest.mark.parametrize(
    "env",
    [
        {"AWS_ACCESS_KEY_ID": "AKIA1", "AWS_SECRET_ACCESS_KEY": "s1"},
        {"AWS_ACCESS_KEY_ID": "AKIA1", "AWS_SECRET_ACCESS_KEY": "s1", "AWS_SESSION_TOKEN": "t1"},
        {"AWS_ACCESS_KEY_ID": "AKIA1", "AWS_SECRET_ACCESS_KEY": "s1", "AWS_SECURITY_TOKEN": "t2"},
        {
            "AWS_ACCESS_KEY_ID": "AKIA1",
            "AWS_SECRET_ACCESS_KEY": "s1",
            "AWS_SECURITY_TOKEN": "t2",
            "AWS_SESSION_TOKEN": "t1",
        },
    ],
)
def test_environment_shortcut_reads_what_botocore_reads(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str]
) -> None:
    from botocore.credentials import EnvProvider

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    theirs = EnvProvider().load().get_frozen_credentials()
    ours = signing.environment_credentials()
    assert ours is not None
    assert (ours.access_key, ours.secret_key, ours.token) == (
        theirs.access_key,
        theirs.secret_key,
        theirs.token,
    )


def test_partial_environment_keys_go_to_botocore(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    assert signing.environment_credentials() is None
    from proxyctl.errors import AwsRefusedError

    with pytest.raises(AwsRefusedError, match="incomplete: Partial credentials found in env"):
        signing.frozen_credentials(None)
