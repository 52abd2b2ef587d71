"""`proxyctl token` and `token inspect` as a user runs them."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta

import pytest

from proxyctl.tokens import inspect_token
from tests.aws_world import make_proxy
from tests.conftest import SAMPLE_HOST, Cli


def test_token_for_a_host_is_signed_for_it(cli: Cli) -> None:
    run = cli("token", "--host", SAMPLE_HOST, "--user", "app")
    assert run.exit_code == 0, run.stderr
    assert run.stdout.endswith("\n") and run.stdout.count("\n") == 1
    info = inspect_token(run.stdout, datetime.now(UTC))
    assert (info.host, info.port, info.user, info.region) == (SAMPLE_HOST, 5432, "app", "us-east-1")
    assert 890 <= info.seconds_left <= 900
    assert run.stderr == ""


def test_token_json_has_the_documented_keys(cli: Cli) -> None:
    run = cli("token", "--host", SAMPLE_HOST, "--port", "6543", "--user", "app", "--format", "json")
    assert run.exit_code == 0, run.stderr
    doc = run.json()
    assert set(doc) == {
        "kind", "schema_version", "token", "host", "port", "user", "region",
        "database", "issued_at", "expires_at",
    }  # fmt: skip
    assert doc["kind"] == "token" and doc["schema_version"] == 1
    assert (doc["host"], doc["port"], doc["user"], doc["region"]) == (
        SAMPLE_HOST,
        6543,
        "app",
        "us-east-1",
    )
    issued = datetime.fromisoformat(doc["issued_at"].replace("Z", "+00:00"))
    expires = datetime.fromisoformat(doc["expires_at"].replace("Z", "+00:00"))
    assert expires - issued == timedelta(seconds=900)
    assert abs((issued - datetime.now(UTC)).total_seconds()) < 60
    assert inspect_token(doc["token"], issued).port == 6543


def test_output_json_wins_over_format(cli: Cli) -> None:
    run = cli(
        "--output", "json", "token", "--host", SAMPLE_HOST, "--user", "app", "--format", "env"
    )
    assert run.json()["kind"] == "token"


def test_env_format_sets_libpq_variables(cli: Cli) -> None:
    run = cli(
        "token", "--host", SAMPLE_HOST, "--user", "app", "--database", "orders", "--format", "env"
    )
    assert run.exit_code == 0, run.stderr
    script = (
        run.stdout
        + 'printf "%s\\n" "$PGHOST" "$PGPORT" "$PGUSER" "$PGDATABASE" "$PGSSLMODE" "$PGPASSWORD"'
    )
    lines = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert lines[:5] == [SAMPLE_HOST, "5432", "app", "orders", "verify-full"]
    assert inspect_token(lines[5], datetime.now(UTC)).user == "app"


def test_uri_format(cli: Cli) -> None:
    run = cli("token", "--host", SAMPLE_HOST, "--user", "app", "--format", "uri")
    assert run.stdout.startswith("postgresql://app:")
    assert run.stdout.rstrip().endswith(f"@{SAMPLE_HOST}:5432/postgres?sslmode=verify-full")


def test_region_comes_from_the_host_when_none_is_set(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    host = "db.proxy-abc.ap-southeast-2.rds.amazonaws.com"
    run = cli("--output", "json", "token", "--host", host, "--user", "app")
    assert run.json()["region"] == "ap-southeast-2"


def test_region_setting_beats_the_host_but_warns(cli: Cli) -> None:
    run = cli("--region", "eu-west-1", "token", "--host", SAMPLE_HOST, "--user", "app")
    assert run.exit_code == 0
    assert inspect_token(run.stdout, datetime.now(UTC)).region == "eu-west-1"
    assert "warning:" in run.stderr and "--region us-east-1" in run.stderr


def test_user_may_come_from_the_config_file(cli: Cli, config_file: object) -> None:
    from pathlib import Path

    assert isinstance(config_file, Path)
    config_file.write_text('[default]\nuser = "reporting"\nport = 6432\n')
    run = cli("--output", "json", "token", "--host", SAMPLE_HOST)
    assert (run.json()["user"], run.json()["port"]) == ("reporting", 6432)


def test_inspect_reads_stdin(cli: Cli) -> None:
    token = cli("token", "--host", SAMPLE_HOST, "--user", "app").stdout
    run = cli("token", "inspect", "-", input=token)
    assert run.exit_code == 0, run.stderr
    assert f"host           {SAMPLE_HOST}\n" in run.stdout
    assert "access key id  AKIA************MPLE\n" in run.stdout
    assert "valid, " in run.stdout
    doc = cli("--output", "json", "token", "inspect", token.strip()).json()
    assert doc["kind"] == "token-inspect"
    assert doc["user"] == "app" and doc["expired"] is False and doc["lifetime_seconds"] == 900


def test_token_for_a_proxy_uses_its_endpoint(cli: Cli, aws: str) -> None:
    proxy = make_proxy(aws, "orders")
    run = cli("--output", "json", "token", "--proxy", "orders", "--user", "app")
    assert run.exit_code == 0, run.stderr
    doc = run.json()
    assert doc["host"] == proxy["Endpoint"]
    assert doc["region"] == "us-east-1"
    assert inspect_token(doc["token"], datetime.now(UTC)).host == proxy["Endpoint"]


def test_unknown_proxy_exits_3_and_lists_the_others(cli: Cli, aws: str) -> None:
    make_proxy(aws, "orders")
    make_proxy(aws, "billing")
    run = cli("token", "--proxy", "ordres", "--user", "app")
    assert run.exit_code == 3
    assert "error: --proxy: no RDS proxy named 'ordres' in us-east-1." in run.stderr
    assert "Proxies in us-east-1: billing, orders." in run.stderr
    assert run.stdout == ""
