"""What AWS says no with becomes a sentence that says what to do, and exit 4.

moto accepts any credentials and never throttles, so these answers come from
botocore's Stubber on a real RDS client.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from proxyctl.aws import session
from tests.conftest import Cli


def stubbed_rds(code: str, status: int, message: str) -> Any:
    rds = boto3.Session().client("rds", region_name="us-east-1")
    stubber = Stubber(rds)
    stubber.add_client_error(
        "describe_db_proxies",
        service_error_code=code,
        service_message=message,
        http_status_code=status,
    )
    stubber.activate()
    return rds


@pytest.mark.parametrize(
    ("code", "status", "says", "hint"),
    [
        (
            "AccessDenied",
            403,
            "AWS refused to describe the RDS proxy orders: AccessDenied",
            "lacks that permission",
        ),
        ("AccessDeniedException", 400, "AccessDeniedException", "lacks that permission"),
        ("ExpiredToken", 400, "ExpiredToken", "The credentials have expired"),
        ("ExpiredTokenException", 400, "ExpiredTokenException", "aws sso login"),
        ("InvalidClientTokenId", 403, "InvalidClientTokenId", "credentials are not valid"),
        ("SignatureDoesNotMatch", 403, "SignatureDoesNotMatch", "credentials are not valid"),
        ("Throttling", 400, "AWS throttled the request", "AWS_MAX_ATTEMPTS"),
        ("ThrottlingException", 400, "after retries", "Wait a minute"),
        ("DBProxyQuotaExceededFault", 400, "DBProxyQuotaExceededFault", "quota"),
    ],
)
def test_refusals_exit_4_with_a_hint(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, code: str, status: int, says: str, hint: str
) -> None:
    rds = stubbed_rds(code, status, "User: arn:aws:iam::123456789012:user/ci is not authorized")
    monkeypatch.setattr(session, "client", lambda settings, service: rds)
    run = cli("token", "--proxy", "orders", "--user", "app")
    assert run.exit_code == 4, run.stderr
    assert says in run.stderr
    assert hint in run.stderr
    assert "Traceback" not in run.stderr


def test_an_error_page_instead_of_an_aws_answer_is_a_network_error_not_a_bug() -> None:
    from botocore.parsers import ResponseParserError

    from proxyctl.aws.errors import aws_errors
    from proxyctl.errors import ExitCode, ProxyctlError

    page = "Unable to parse response (syntax error), invalid XML received:\nb'<!doctype html>'"
    with pytest.raises(ProxyctlError) as raised, aws_errors("change the settings of orders"):
        raise ResponseParserError(page)
    assert raised.value.exit_code == ExitCode.CONNECTION
    assert raised.value.message == (
        "The AWS API's answer to the request to change the settings of orders could not be "
        "read (Unable to parse response (syntax error), invalid XML received); it may or may "
        "not have been carried out."
    )
    assert "doctype" not in raised.value.message
