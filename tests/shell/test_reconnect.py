"""A dropped connection: said in one line, reopened with a new IAM token before the next
statement, and the statement that met the drop is never run again by itself."""

from __future__ import annotations

from typing import Any

import pytest

from proxyctl import reach
from proxyctl.app import App
from proxyctl.cli.prompts import Defaults
from proxyctl.config import Settings
from proxyctl.shell.core import Shell
from tests import pg
from tests.conftest import Cli
from tests.shell.conftest import TOKEN_USER


@pytest.fixture
def signed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every token the shell signs (the real signer, counted)."""
    from proxyctl.aws import signing

    made: list[str] = []
    real = signing.issue_token

    def counting(*args: Any, **kwargs: Any) -> Any:
        token, warning = real(*args, **kwargs)
        made.append(token.token)
        return token, warning

    monkeypatch.setattr(signing, "issue_token", counting)
    return made


def iam_shell(server: pg.PgServer, said: list[str]) -> Shell:
    app = App(Settings(region="us-east-1"), Defaults("test"))
    options = reach.ConnectionOptions(
        host="localhost",
        port=server.port,
        user=TOKEN_USER,
        database="app",
        ca_bundle=str(server.ca_file),
    )
    target = reach.find(app, options).target()
    return Shell(app, target, "proxyctl check ...", say=said.append)


def test_reconnect_after_terminate_with_a_new_token(
    pg_trust: pg.PgServer, signed: list[str]
) -> None:
    said: list[str] = []
    shell = iam_shell(pg_trust, said)
    assert shell.target.auth == "iam"
    first = shell.run("select pg_backend_pid()")
    assert first.rows is not None and len(signed) == 1
    pg_trust.psql(f"select pg_terminate_backend({first.rows[0][0]})")

    lost = shell.run("select 'lost'")
    assert lost.lost and lost.error is not None
    assert len(said) == 1
    assert said[0].startswith(
        "The connection was lost (terminating connection due to administrator"
    )
    assert "a restart, a failover or pg_terminate_backend" in said[0]
    assert said[0].endswith("run it again if you need it. The next statement reconnects.")
    assert len(signed) == 1  # nothing was sent again, nor signed

    again = shell.run("select pg_backend_pid(), 'next'")
    assert (
        said[1] == f"Reconnecting to {TOKEN_USER}@localhost:{pg_trust.port} with a new IAM token..."
    )
    assert again.error is None and again.rows is not None
    assert again.rows[0][1] == "next" and again.rows[0][0] != first.rows[0][0]
    assert len(signed) == 2  # signed for this connect (the same second signs the same text)
    shell.close()


def test_the_statement_that_met_the_drop_is_not_run_again(
    pg_trust: pg.PgServer, signed: list[str]
) -> None:
    pg_trust.psql(
        f"create table if not exists marks (x int); grant all on marks to {TOKEN_USER}",
        dbname="app",
    )
    said: list[str] = []
    shell = iam_shell(pg_trust, said)
    pid = shell.run("select pg_backend_pid()").rows[0][0]  # type: ignore[index]
    pg_trust.psql(f"select pg_terminate_backend({pid})")
    assert shell.run("insert into marks values (1)").lost
    count = shell.run("select count(*) from marks")
    assert count.rows == [(0,)]  # the insert was not run by the reconnect
    shell.close()


def test_reconnect_command_signs_anew(pg_trust: pg.PgServer, signed: list[str]) -> None:
    shell = iam_shell(pg_trust, [])
    shell.connect()
    shell.connect()  # \reconnect
    assert len(signed) == 2 and shell.connects == 2
    assert shell.signed is not None and shell.signed.token_expires is not None
    assert 890 <= (shell.signed.token_expires - shell.signed.at).total_seconds() <= 900
    shell.close()


def test_no_token_in_output_or_debug_logs(
    cli: Cli, pg_trust: pg.PgServer, signed: list[str]
) -> None:
    where = ["--host", "localhost", "--port", str(pg_trust.port), "--ca-bundle"]
    where += [str(pg_trust.ca_file), "--user", TOKEN_USER, "--database", "app"]
    run = cli("--debug", "connect", *where, "-c", "select current_user", "-c", "select 1/0")
    assert run.exit_code == 5 and len(signed) == 1
    token = signed[0]
    for part in (token, token.split("X-Amz-Signature=")[1]):
        assert part not in run.stdout + run.stderr
