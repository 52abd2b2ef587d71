"""Text from servers, certificates and AWS is data: an escape sequence in it reaches the
terminal as visible text (ESC as `\\x1b`), never as a command to the terminal. JSON keeps
the exact text."""

from __future__ import annotations

import json
from typing import Any

import pytest

from proxyctl import output
from tests import pg
from tests.cli.test_prompts import run_in_terminal
from tests.conftest import Cli, boto_client
from tests.provision_helpers import seed_stack

# Clear the screen, go home, print a reassuring word: what a hostile name would try.
REPAINT = "\x1b[2J\x1b[Hverified"
SHOWN = "\\x1b[2J\\x1b[Hverified"


def test_clean_shows_control_characters_and_keeps_lines_and_tabs() -> None:
    assert output.clean(f"CN={REPAINT}\r\x07\x9b31m\u202eevil\n\tnext") == (
        f"CN={SHOWN}\\x0d\\x07\\x9b31m\\u202eevil\n\tnext"
    )
    assert output.clean("naïve café — ok ✓") == "naïve café — ok ✓"
    assert output.for_rich("[bold]x\x1b[0m") == "\\[bold]x\\x1b[0m"


def test_errors_warnings_and_notes_are_cleaned(capsys: pytest.CaptureFixture[str]) -> None:
    from proxyctl.errors import NotFoundError

    output.report_error(NotFoundError(f"no proxy {REPAINT}", hint=f"try {REPAINT}"), True)
    output.warn(REPAINT)
    output.note(REPAINT)
    out, err = capsys.readouterr()
    assert err == (f"error: no proxy {SHOWN}\nhint: try {SHOWN}\nwarning: {SHOWN}\n{SHOWN}\n")
    assert json.loads(out)["error"]["message"] == f"no proxy {REPAINT}"  # JSON: exact


def check_args(server: pg.PgServer, database: str) -> list[str]:
    """`check --host` as the app user, with a password, against SERVER's own CA."""
    where = f"--host localhost --port {server.port} --ca-bundle {server.ca_file}".split()
    return ["check", *where, "--user", "app", "--auth", "password", "--database", database]


def _check_host(cli: Cli, server: pg.PgServer, database: str, *before: str) -> Any:
    args = [*before, *check_args(server, database), "--samples", "1"]
    return cli(*args, env={"PGPASSWORD": pg.APP_PASSWORD})


def test_a_certificate_name_cannot_repaint_the_terminal(
    cli: Cli, pg_server: pg.StartServer
) -> None:
    server = pg_server()
    assert server.ca is not None
    server.use_cert(server.ca.issue_cert("localhost", common_name=REPAINT))
    run = _check_host(cli, server, "app")
    assert run.exit_code == 0, run.stderr
    assert "\x1b" not in run.stdout + run.stderr
    assert f"CN={SHOWN}," in run.stdout
    doc = _check_host(cli, server, "app", "--output", "json").json()
    (cert,) = [f for f in doc["findings"] if f["code"] == "tls.certificate"]
    assert cert["details"]["subject"].startswith(f"CN={REPAINT},")


def test_a_certificate_name_on_a_real_terminal(pg_server: pg.StartServer) -> None:
    server = pg_server()
    assert server.ca is not None
    server.use_cert(server.ca.issue_cert("localhost", common_name=REPAINT))
    args = check_args(server, "app")
    code, screen = run_in_terminal(args, "", {"PGPASSWORD": pg.APP_PASSWORD}, prompt=None)
    assert code == 0, screen
    assert "\x1b[2J" not in screen and f"CN={SHOWN}," in screen


def test_a_server_error_with_escapes_is_shown_not_obeyed(cli: Cli, pg_tls: pg.PgServer) -> None:
    run = _check_host(cli, pg_tls, f"no{REPAINT}")
    assert run.exit_code == 6, run.stdout + run.stderr
    assert "\x1b" not in run.stdout + run.stderr
    assert f'database "no{SHOWN}" does not exist' in run.stdout


def test_an_aws_description_with_escapes_is_shown_not_obeyed(
    cli: Cli, aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_stack(aws, "orders")
    targets = boto_client(aws, "rds").describe_db_proxy_targets(DBProxyName="orders")["Targets"]
    for target in targets:
        if "TargetHealth" in target:
            target["TargetHealth"] = {
                "State": "UNAVAILABLE",
                "Reason": "CONNECTION_FAILED",
                "Description": f"target {REPAINT}",
            }
    _answer_describe_db_proxy_targets(monkeypatch, {"Targets": targets})
    args = ["check", "--proxy", "orders", "--user", "app", "--connect-timeout", "0.5"]
    run = cli(*args)
    assert run.exit_code == 6, run.stderr
    assert "\x1b" not in run.stdout + run.stderr
    assert f"(CONNECTION_FAILED): target {SHOWN}" in run.stdout


def _answer_describe_db_proxy_targets(monkeypatch: pytest.MonkeyPatch, answer: Any) -> None:
    """moto reports every target AVAILABLE, without RDS's Description: this one call is
    answered as botocore's Stubber answers (a before-call hook); the rest is moto."""
    from botocore.awsrequest import AWSResponse

    from proxyctl.aws import session

    real = session.client
    ok = AWSResponse(None, 200, {}, None)  # type: ignore[arg-type]

    def client(settings: Any, service: str) -> Any:
        made = real(settings, service)
        if service == "rds":
            made.meta.events.register(
                "before-call.rds.DescribeDBProxyTargets", lambda **kw: (ok, answer)
            )
        return made

    monkeypatch.setattr(session, "client", client)
