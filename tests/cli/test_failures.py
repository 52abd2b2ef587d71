"""Bugs, interrupts and --debug: what the user sees when things go wrong."""

from __future__ import annotations

import re

import pytest

from proxyctl.aws import signing
from tests.aws_world import make_proxy
from tests.conftest import SAMPLE_HOST, SECRET_ACCESS_KEY, Cli

TOKEN_ARGS = ["token", "--host", SAMPLE_HOST, "--user", "app"]


def explode(*args: object, **kwargs: object) -> str:
    raise RuntimeError("boom while signing, password=hunter2")


def test_a_bug_exits_1_and_says_how_to_report_it(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(signing, "sign_token", explode)
    run = cli(*TOKEN_ARGS)
    assert run.exit_code == 1
    assert run.stderr.startswith("error: unexpected RuntimeError: boom while signing")
    assert "--debug and report the output" in run.stderr
    assert "Traceback" not in run.stderr
    assert "hunter2" not in run.stderr


def test_debug_shows_the_traceback_redacted(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(signing, "sign_token", explode)
    run = cli("--debug", *TOKEN_ARGS)
    assert run.exit_code == 1
    assert "Traceback (most recent call last)" in run.stderr
    assert "hunter2" not in run.stderr
    assert "password=***" in run.stderr


def test_ctrl_c_exits_130(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupt(*args: object, **kwargs: object) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr(signing, "sign_token", interrupt)
    run = cli(*TOKEN_ARGS)
    assert run.exit_code == 130
    assert "interrupted" in run.stderr


def test_debug_logs_aws_requests_without_secrets(cli: Cli, aws: str) -> None:
    make_proxy(aws, "orders")
    run = cli("--debug", "token", "--proxy", "orders", "--user", "app")
    assert run.exit_code == 0, run.stderr
    assert "DescribeDBProxies" in run.stderr  # the request log is there
    assert SECRET_ACCESS_KEY not in run.stderr
    assert not re.search(r"Signature[=:]\s*[0-9a-f]{64}", run.stderr)
    token = run.stdout.strip()
    assert token and token not in run.stderr


def test_errors_print_no_traceback_without_debug(cli: Cli) -> None:
    run = cli("token", "--host", SAMPLE_HOST, "--user", "app", "--port", "0")
    assert run.exit_code == 2
    assert "Traceback" not in run.stderr
    run = cli("--debug", "token", "--host", SAMPLE_HOST, "--user", "app", "--port", "0")
    assert "Traceback" in run.stderr
