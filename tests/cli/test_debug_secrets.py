"""`--debug` and error messages never show a secret, whatever characters it holds.

Each command that touches a password, a secret, a token or the AWS session token runs
through the CLI with --debug, against moto for AWS and a real PostgreSQL server where it
connects; the secret's exact text, and the encoded forms a log could carry it in, must be
absent from stdout and stderr.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest

from tests import pg
from tests.conftest import SAMPLE_HOST, SECRET_ACCESS_KEY, Cli, boto_client
from tests.provision_helpers import seed_stack

# Every character that ended the old masking regex early, quotes and a backslash.
PASSWORD = "alpha7,bravo8 \"charlie9}'delta0\\echo1"
USER = "vault"
SESSION_TOKEN = "IQoJb3JpZ2luX2VjZmFrZS1zZXNzaW9uLXRva2Vu+Qm9vYmFy/cXV4=="
WINDOW = 6  # a leak of any 6 characters of a secret in a row fails the test
SIGNATURE = re.compile(r"Signature[=:]\s*[0-9a-f]{64}")


def forms(secret: str) -> list[str]:
    """The secret as text, JSON-escaped (also twice: a JSON string inside a JSON body),
    URL-encoded and as Python's repr shows it: each one a log line could hold."""
    once = json.dumps(secret)[1:-1]
    twice = json.dumps(once)[1:-1]
    return [secret, once, twice, quote(secret, safe=""), quote_plus(secret), repr(secret)[1:-1]]


def assert_never_shown(run: Any, *secrets: str, seen: str | None = None) -> None:
    """No SECRET, in any of its forms or in part, in stdout and stderr (or in SEEN)."""
    seen = run.stdout + run.stderr if seen is None else seen
    for secret in secrets:
        for form in forms(secret):
            assert form not in seen, f"{form!r} is in the output"
        for start in range(len(secret) - WINDOW + 1):  # a partly masked secret shows
            part = secret[start : start + WINDOW]
            assert part not in seen, f"{part!r} (of a secret) is in the output"
    assert not SIGNATURE.search(seen)
    assert SECRET_ACCESS_KEY not in seen


def sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@pytest.fixture
def vault_server(pg_server: pg.StartServer) -> Iterator[Any]:
    """Starts a server whose certificate names HOST (and localhost), with USER's PASSWORD."""

    def start(host: str = "localhost") -> pg.PgServer:
        server = pg_server(cert_names=(host, "localhost"))
        server.psql(f"create role {USER} login password {sql_literal(PASSWORD)}")
        server.psql(f"grant connect on database app to {USER}")
        return server

    yield start


def proxy_with_secret(aws: str) -> str:
    """The stack `orders` whose secret holds USER and PASSWORD; returns the proxy endpoint."""
    seed_stack(aws, "orders")
    secrets = boto_client(aws, "secretsmanager")
    for listed in secrets.list_secrets()["SecretList"]:
        value = json.dumps({"username": USER, "password": PASSWORD, "engine": "postgres"})
        secrets.put_secret_value(SecretId=listed["ARN"], SecretString=value)
    proxy = boto_client(aws, "rds").describe_db_proxies(DBProxyName="orders")["DBProxies"][0]
    return str(proxy["Endpoint"])


@pytest.mark.parametrize("auth", ["iam", "secret"])
def test_check_a_proxy_with_debug(cli: Cli, aws: str, vault_server: Any, auth: str) -> None:
    endpoint = proxy_with_secret(aws)
    server = vault_server(endpoint)
    run = cli(
        *("--debug", "--output", "json", "check", "--proxy", "orders", "--user", USER),
        *("--database", "app", "--auth", auth, "--via", f"127.0.0.1:{server.port}"),
        *("--ca-bundle", str(server.ca_file), "--source-cidr", "10.0.5.0/24"),
    )
    found = {f["code"]: f["status"] for f in run.json()["findings"]}
    assert "GetSecretValue" in run.stderr  # the control plane read the secret
    # a plain PostgreSQL refuses a token as a password; the secret's password signs in
    expected = ("auth.ok", "ok") if auth == "secret" else ("auth.wrong_password", "fail")
    assert found.get(expected[0]) == expected[1], run.stderr
    assert_never_shown(run, PASSWORD)


def test_check_with_pgpassword_and_debug(cli: Cli, vault_server: Any) -> None:
    server = vault_server()
    run = cli(
        *("--debug", "check", "--host", "localhost", "--port", str(server.port)),
        *("--user", USER, "--database", "app", "--auth", "password"),
        *("--ca-bundle", str(server.ca_file)),
        env={"PGPASSWORD": PASSWORD},
    )
    assert run.exit_code == 0, run.stderr
    assert "psycopg" in run.stderr  # psycopg's own debug log is there
    assert_never_shown(run, PASSWORD)


def test_failover_test_with_the_proxy_secret_and_debug(
    cli: Cli, aws: str, vault_server: Any
) -> None:
    proxy_with_secret(aws)
    server = vault_server()
    run = cli(
        *("--debug", "--output", "json", "failover-test", "--proxy", "orders"),
        *("--user", USER, "--database", "app", "--auth", "secret", "--no-direct"),
        *("--endpoint", f"local=localhost:{server.port}", "--ca-bundle", str(server.ca_file)),
        *("--trigger", "none", "--skip-preflight", "--interval", "0.2", "--probe-timeout", "1"),
        *("--baseline", "0", "--settle", "0.5", "--timeout", "2", "--yes"),
    )
    assert "GetSecretValue" in run.stderr, run.stderr
    local = [e for e in run.json()["analysis"]["endpoints"] if e["endpoint"] == "local"]
    assert local and local[0]["probes"] > local[0]["failed"]  # the secret's password worked
    assert_never_shown(run, PASSWORD)


@pytest.fixture
def database(aws: str) -> str:
    from tests.aws_world import seed_aurora

    seed_aurora(aws)
    return aws


INIT = ["--debug", "init", "--name", "orders-proxy", "--allow-cidr", "10.20.0.0/16", "--yes"]


def test_init_with_a_password_from_stdin_and_debug(cli: Cli, database: str) -> None:
    run = cli(
        *INIT, "--secret", "new", "--db-user", "app", "--password-stdin", input=PASSWORD + "\n"
    )
    assert run.exit_code == 0, run.stderr
    assert "CreateSecret" in run.stderr
    assert_never_shown(run, PASSWORD)


def test_init_with_a_generated_password_and_debug(cli: Cli, database: str) -> None:
    run = cli(*INIT, "--secret", "new", "--db-user", "app", "--generate-password")
    assert run.exit_code == 0, run.stderr
    secrets = boto_client(database, "secretsmanager")
    stored = secrets.get_secret_value(SecretId="proxyctl/orders-proxy/app")["SecretString"]
    assert "GetRandomPassword" in run.stderr and "CreateSecret" in run.stderr
    assert_never_shown(run, json.loads(stored)["password"])
    assert not any(form in run.stdout + run.stderr for form in forms(stored))


def test_token_with_a_session_token_and_debug(
    cli: Cli, aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.aws_world import make_proxy

    make_proxy(aws, "orders")
    monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION_TOKEN)
    run = cli("--debug", "token", "--proxy", "orders", "--user", "app")
    assert run.exit_code == 0, run.stderr
    token = run.stdout.strip()
    assert "DescribeDBProxies" in run.stderr
    assert token not in run.stderr
    # The token on stdout holds the session token: printing it is the command's job.
    assert_never_shown(run, SESSION_TOKEN, seen=run.stderr)


# What the user typed, echoed back in a usage error or by `config show` -----------------


def a_token(cli: Cli) -> str:
    run = cli("token", "--host", SAMPLE_HOST, "--user", "app")
    assert run.exit_code == 0, run.stderr
    return run.stdout.strip()


@pytest.mark.parametrize("output", ["text", "json"])
def test_a_uri_with_a_password_as_host_is_not_echoed(cli: Cli, output: str) -> None:
    uri = f"postgresql://app:{quote(PASSWORD, safe='')}@db.example.com:5432/app"
    for command in ("token", "check", "failover-test"):
        run = cli("--output", output, command, "--host", uri, "--user", "app")
        assert run.exit_code == 2, run.stderr
        assert "--host" in run.stderr
        assert_never_shown(run, PASSWORD)


def test_a_token_pasted_as_host_is_not_echoed(cli: Cli) -> None:
    token = a_token(cli)
    for args in (["--host", token], ["--host", quote(token, safe="")]):
        run = cli("--debug", "check", *args, "--user", "app")
        assert run.exit_code == 2 and "--host" in run.stderr
        assert "looks like an IAM auth token, not a host name" in run.stderr
        assert "the host name is the part before the first ':' or '/'" in run.stderr
        assert token not in run.stderr and quote(token, safe="") not in run.stderr
        assert_never_shown(run)


ENDPOINT = f"https://AKIDEXAMPLE:{quote(PASSWORD, safe='')}@127.0.0.1:9/"


def test_config_show_hides_credentials_in_the_endpoint_url(
    cli: Cli, config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for source in ("flag", "env", "file"):
        args = ["--endpoint-url", ENDPOINT] if source == "flag" else []
        if source == "env":
            monkeypatch.setenv("PROXYCTL_ENDPOINT_URL", ENDPOINT)
        if source == "file":
            monkeypatch.delenv("PROXYCTL_ENDPOINT_URL")
            config_file.write_text(f'[default]\nendpoint-url = "{ENDPOINT}"\n')
        for output in ("text", "json"):
            run = cli("--output", output, *args, "config", "show")
            assert run.exit_code == 0, run.stderr
            assert "https://AKIDEXAMPLE:***@127.0.0.1:9/" in run.stdout
            assert_never_shown(run, PASSWORD)


def test_an_endpoint_url_with_credentials_is_not_echoed_in_errors(cli: Cli) -> None:
    run = cli("--debug", "--endpoint-url", ENDPOINT, "token", "--proxy", "orders", "--user", "a")
    assert run.exit_code != 0
    assert_never_shown(run, PASSWORD)
    run = cli("--endpoint-url", ENDPOINT.replace("https", "ftp"), "config", "show")
    assert_never_shown(run, PASSWORD)
