"""The token is the one botocore's own generate_db_auth_token makes."""

from __future__ import annotations

from datetime import datetime
from unittest import mock

import boto3
import pytest

from proxyctl.aws import signing
from proxyctl.tokens import TOKEN_LIFETIME_SECONDS, inspect_token
from tests.conftest import SAMPLE_HOST

FROZEN = datetime(2026, 11, 26, 9, 30, 15)


@pytest.mark.parametrize("session_token", [None, "IQoJb3JpZ2luX2VjEXAMPLE/with+odd=chars"])
@pytest.mark.parametrize(
    ("host", "port", "user"), [(SAMPLE_HOST, 5432, "app"), ("10.0.0.5", 6432, "a b&c")]
)
def test_same_token_as_botocore(
    monkeypatch: pytest.MonkeyPatch, session_token: str | None, host: str, port: int, user: str
) -> None:
    if session_token:
        monkeypatch.setenv("AWS_SESSION_TOKEN", session_token)
    with mock.patch("botocore.auth.get_current_datetime", return_value=FROZEN):
        credentials = signing.frozen_credentials(signing.botocore_session(None))
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
    with mock.patch("botocore.auth.get_current_datetime", return_value=FROZEN):
        made, warning = signing.issue_token(None, None, SAMPLE_HOST, 5432, "app", "postgres")
    assert warning is None
    assert made.region == "us-east-1"  # from the host name
    assert made.issued_at.strftime("%Y%m%dT%H%M%S") == "20261126T093015"
    assert (made.expires_at - made.issued_at).total_seconds() == 900
