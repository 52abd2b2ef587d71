"""The redaction every --debug log line and error message goes through (proxyctl.logs)."""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import quote

import pytest

from proxyctl import logs

PASSWORD = "hun,ter2 \"q}'x\\y"


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        # the value runs to the end of its quoted string, escapes included
        ('{"password": "hun,ter2 \\"q} x", "port": 5432}', '{"password": "***", "port": 5432}'),
        ("{'Password': 'hun,ter2 \\'q} x', 'port': 1}", "{'Password': '***', 'port': 1}"),
        (
            '{"SecretString": "{\\"username\\": \\"app\\", \\"password\\": \\"a\\\\\\"b\\"}"}',
            '{"SecretString": "***"}',
        ),
        (
            '\\"password\\": \\"hun,ter2 \\\\\\"q}\\", \\"u\\": 1',
            '\\"password\\": \\"***\\", \\"u\\": 1',
        ),
        # unquoted: to the next & or the end of the line, not to the first comma
        ("password=hun,ter2", "password=***"),
        ("password=hun,ter2 }x&sslmode=require", "password=***&sslmode=require"),
        ("RunContext(password='hun,ter2 x', timeout=3)", "RunContext(password='***', timeout=3)"),
        # names in any case, as a suffix of a longer name
        ("PGPASSWORD=abc def", "PGPASSWORD=***"),
        ('"MasterUserPassword": 12345, "x": 1', '"MasterUserPassword": ***, "x": 1'),
        ("{'x-amz-security-token': b'FQoG/x+y=='}", "{'x-amz-security-token': b'***'}"),
        ("{'X-AMZ-SECURITY-TOKEN': b'FQoG/x+y=='}", "{'X-AMZ-SECURITY-TOKEN': b'***'}"),
        ("x-amz-security-token:FQoG/x+y==", "x-amz-security-token:***"),
        ("&x-amz-security-token=FQoG%2Fx&X-Amz-Signature=" + "ab" * 32, None),
        ("Signature=" + "0f" * 32, "Signature=***"),
        # credentials in a URL, whatever the scheme
        ("postgresql://app:p%40ss,w@db:5432/app", "postgresql://app:***@db:5432/app"),
        ("https://AKID:se%2Fc@ret@example.com/", "https://AKID:***@example.com/"),
        ("https://host:443/path@x", "https://host:443/path@x"),
    ],
)
def test_patterns(line: str, shown: str | None) -> None:
    if shown is None:
        assert "FQoG" not in logs.redact(line) and "ab" * 32 not in logs.redact(line)
    else:
        assert logs.redact(line) == shown


@pytest.mark.parametrize(
    "message",
    [
        "--auth password: set PGPASSWORD (prompts are off).",
        "--password-stdin: stdin held no password.",
        "--secret: 'bogus' is not one of existing, new, rds-managed.",
        'http://127.0.0.1:4566/ "POST / HTTP/1.1" 200 497',
    ],
)
def test_ordinary_messages_are_left_alone(message: str) -> None:
    assert logs.redact(message) == message


def test_a_remembered_secret_is_masked_in_every_form() -> None:
    assert logs.remember_secret(PASSWORD) == PASSWORD
    inner = json.dumps({"username": "app", "password": PASSWORD})
    for text in (
        f"boom: {PASSWORD}!",
        json.dumps({"SecretString": inner}),  # JSON in JSON
        repr(json.dumps({"SecretString": inner}).encode()),  # as botocore logs a body
        "postgresql://app:" + quote(PASSWORD, safe="") + "@db/app",
        f"words {PASSWORD!r} words",
    ):
        shown = logs.redact(text)
        assert "hun,ter2" not in shown and "ter2" not in shown, shown
        assert "***" in shown


def test_the_longest_remembered_secret_is_masked_whole() -> None:
    logs.remember_secret("abcd")
    logs.remember_secret("abcd-efgh-ijkl")
    assert logs.redact("x abcd-efgh-ijkl y abcd z") == "x *** y *** z"


def test_short_values_are_not_remembered() -> None:
    logs.remember_secret("ab")
    logs.remember_secret(None)
    assert logs.redact("abc ab") == "abc ab"


def test_forget_secrets() -> None:
    logs.remember_secret("never-in-a-log")
    logs.forget_secrets()
    assert logs.redact("never-in-a-log") == "never-in-a-log"


def _record(name: str, msg: str, *args: Any) -> logging.LogRecord:
    return logging.LogRecord(name, logging.DEBUG, __file__, 1, msg, args, None)


def _operation(service: str, name: str) -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model(service).operation_model(name)


@pytest.mark.parametrize(
    ("service", "operation", "withheld"),
    [
        ("secretsmanager", "GetSecretValue", True),
        ("secretsmanager", "DescribeSecret", True),  # all of Secrets Manager
        ("secretsmanager", "CreateSecret", True),
        ("sts", "AssumeRole", True),  # credentials in the response: a sensitive field
        ("rds", "DescribeDBProxies", False),
        ("sts", "GetCallerIdentity", False),
    ],
)
def test_bodies_that_can_carry_a_secret_are_withheld(
    service: str, operation: str, withheld: bool
) -> None:
    keep = logs.WithholdingFilter()
    body = b'{"SecretString": "{\\"password\\": \\"x\\"}"}'
    made = _record(
        "botocore.endpoint",
        "Making request for %s with params: %s",
        _operation(service, operation),
        {"body": body},
    )
    answered = _record("botocore.parsers", "Response body:\n%r", body)
    assert keep.filter(made) and keep.filter(answered)
    if withheld:
        assert (
            made.getMessage() == f"Making request for {service} {operation}: parameters not logged"
        )
        assert answered.getMessage() == f"Response body of {service} {operation}: not logged"
    else:
        assert str(body) in made.getMessage() and str(body) in answered.getMessage()


def test_the_handler_redacts_tracebacks(capsys: pytest.CaptureFixture[str]) -> None:
    logs.remember_secret(PASSWORD)
    logs.enable_debug()
    try:
        raise RuntimeError(f"failed with {PASSWORD}")
    except RuntimeError:
        logging.getLogger("botocore.endpoint").debug("Exception received", exc_info=True)
    err = capsys.readouterr().err
    assert "Traceback" in err and "failed with ***" in err and "ter2" not in err
