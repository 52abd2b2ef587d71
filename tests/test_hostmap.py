"""The host mapping setting (like curl --resolve): PROXYCTL_RESOLVE or the config key
`resolve` makes every command that connects dial another address, while TLS's name
check and IAM tokens keep the real host name."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from proxyctl import hostmap, reach
from proxyctl.app import App
from proxyctl.config import Settings
from proxyctl.errors import ExitCode, UsageError
from proxyctl.lab.postgres import PgServer
from proxyctl.reach import ConnectionOptions
from proxyctl.tokens import inspect_token
from tests.answers import Answers
from tests.conftest import REGION, Cli

NAME = "orders.proxy-abc123.us-east-1.rds.amazonaws.com"


def test_pairs_are_parsed_host_names_ignore_case() -> None:
    found = hostmap.parse(f"{NAME.upper()}:5432=127.0.0.1:6432, db.test:5432=[::1]:7000", "X")
    assert found == {(NAME, 5432): ("127.0.0.1", 6432), ("db.test", 5432): ("::1", 7000)}
    assert hostmap.lookup(found, NAME + ".", 5432) == ("127.0.0.1", 6432)
    assert hostmap.lookup(found, NAME, 5433) is None


@pytest.mark.parametrize(
    ("text", "why"),
    [
        (f"{NAME}:5432", "has no `=`"),
        (f"{NAME}=127.0.0.1:6432", f"{NAME!r} is not HOST:PORT"),
        (f"{NAME}:5432=127.0.0.1:70000", "'127.0.0.1:70000' is not HOST:PORT"),
        (f"{NAME}:5432=a b:1", "'a b' is not a host name or address"),
    ],
)
def test_a_bad_pair_is_refused_naming_where_it_came_from(text: str, why: str) -> None:
    with pytest.raises(UsageError) as caught:
        hostmap.parse(text, hostmap.ENV)
    assert caught.value.message.startswith(f"{hostmap.ENV}: ")
    assert why in caught.value.message
    assert caught.value.field == hostmap.ENV
    assert caught.value.exit_code == ExitCode.USAGE


def test_the_environment_wins_over_the_config_file() -> None:
    table: dict[str, Any] = {"resolve": [f"{NAME}:5432=127.0.0.1:1111"]}
    origins = {"resolve": "config /c.toml [lab]"}
    assert hostmap.setting(table, origins, {}) == {(NAME, 5432): ("127.0.0.1", 1111)}
    env = {hostmap.ENV: f"{NAME}:5432=127.0.0.1:2222"}
    assert hostmap.setting(table, origins, env) == {(NAME, 5432): ("127.0.0.1", 2222)}
    with pytest.raises(UsageError, match=r"config /c.toml \[lab\]: resolve must be a string"):
        hostmap.setting({"resolve": 5}, origins, {})


def _app(**table: Any) -> App:
    settings = Settings(region=REGION, no_input=True, table=table)
    settings.table_sources = {k: "config test [default]" for k in table}
    return App(settings, Answers({}))


def test_reach_dials_the_mapped_address_and_signs_for_the_real_host() -> None:
    app = _app(resolve=f"{NAME}:5432=127.0.0.1:6432,db.test:5432=127.0.0.1:7000")
    found = reach.find(app, ConnectionOptions(host=NAME, user="app"))
    target = found.target()
    assert target.host == NAME and target.port == 5432  # TLS name and token host
    assert target.dial == ("127.0.0.1", 6432)
    assert target.libpq_address() == ("127.0.0.1", 6432)
    token = inspect_token(target.password(), datetime.now(UTC))
    assert (token.host, token.port) == (NAME, 5432)
    other = found.target("db.test", 5432)  # another endpoint of the same database
    assert other.dial == ("127.0.0.1", 7000)
    assert found.target("db.other", 5432).via is None


def test_via_wins_over_the_mapping_for_the_endpoint_it_names() -> None:
    app = _app(resolve=f"{NAME}:5432=127.0.0.1:6432,db.test:5432=127.0.0.1:7000")
    found = reach.find(app, ConnectionOptions(host=NAME, user="app", via="localhost:9999"))
    assert found.target().via == ("localhost", 9999)
    assert found.target("db.test", 5432).via == ("127.0.0.1", 7000)


def _config(tmp_path: Path, text: str) -> dict[str, str]:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return {"PROXYCTL_CONFIG": str(path), "PGPASSWORD": "app-password"}


def test_check_reaches_a_name_that_does_not_resolve_through_the_config_key(
    cli: Cli, pg_tls: PgServer, tmp_path: Path
) -> None:
    name = "db.test"  # in the server's certificate; not in DNS
    env = _config(tmp_path, f'[default]\nresolve = ["{name}:5432=127.0.0.1:{pg_tls.port}"]\n')
    args = ["check", "--host", name, "--user", "app", "--database", "app", "--auth", "password"]
    run = cli(*args, "--ca-bundle", str(pg_tls.ca_file), env=env)
    assert run.exit_code == 0, run.stdout + run.stderr
    assert f"app@{name}:5432 via 127.0.0.1:{pg_tls.port} works end to end" in run.stdout
    assert f"the certificate names {name}." in run.stdout


def test_a_bad_mapping_is_a_usage_error_naming_its_source(
    cli: Cli, pg_tls: PgServer, tmp_path: Path
) -> None:
    env = _config(tmp_path, '[default]\nresolve = "db.test=127.0.0.1"\n')
    run = cli("check", "--host", "db.test", "--user", "app", "--auth", "password", env=env)
    assert run.exit_code == 2
    assert (
        f"config {tmp_path / 'config.toml'} [default]: resolve: 'db.test=127.0.0.1'" in run.stderr
    )
    env[hostmap.ENV] = "db.test:5432"
    run = cli("check", "--host", "db.test", "--user", "app", "--auth", "password", env=env)
    assert run.exit_code == 2
    assert "error: PROXYCTL_RESOLVE: 'db.test:5432' has no `=`." in run.stderr
