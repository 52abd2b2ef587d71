"""`proxyctl token` and `token inspect` as a user runs them."""

from __future__ import annotations

import os
import re
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from proxyctl.tokens import inspect_token
from tests.aws_world import make_proxy
from tests.conftest import SAMPLE_HOST, Cli
from tests.pg import APP_PASSWORD


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
        "database", "issued_at", "expires_at", "sslrootcert",
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
    assert f"@{SAMPLE_HOST}:5432/postgres?sslmode=verify-full&sslrootcert=" in run.stdout


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
    # moto's endpoint (NAME.db-proxy-ID...) is a proxy endpoint: Amazon's roots verify it.
    import certifi

    assert ".db-proxy-" in doc["host"] and doc["sslrootcert"] == certifi.where()


def test_unknown_proxy_exits_3_and_lists_the_others(cli: Cli, aws: str) -> None:
    make_proxy(aws, "orders")
    make_proxy(aws, "billing")
    run = cli("token", "--proxy", "ordres", "--user", "app")
    assert run.exit_code == 3
    assert "error: --proxy: no RDS proxy named 'ordres' in us-east-1." in run.stderr
    assert "Proxies in us-east-1: billing, orders." in run.stderr
    assert run.stdout == ""


# --- The libpq hand-off verifies the server with the right CA file -------------------


def env_of(stdout: str, *names: str, env: dict[str, str] | None = None) -> list[str]:
    """The values `eval "$(proxyctl token --format env)"` leaves in bash."""
    script = stdout + "".join(f'printf "%s\\n" "${{{name}-unset}}"\n' for name in names)
    done = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, check=True, env=env
    )
    return done.stdout.splitlines()


def test_env_format_trusts_amazon_roots_for_a_proxy_endpoint(cli: Cli) -> None:
    import certifi

    run = cli("token", "--host", SAMPLE_HOST, "--user", "app", "--format", "env")
    assert run.exit_code == 0, run.stderr
    assert env_of(run.stdout, "PGSSLMODE", "PGSSLROOTCERT") == ["verify-full", certifi.where()]
    assert run.stderr == ""
    uri = cli("token", "--host", SAMPLE_HOST, "--user", "app", "--format", "uri").stdout
    assert uri.rstrip().endswith(f"?sslmode=verify-full&sslrootcert={certifi.where()}")
    doc = cli("--output", "json", "token", "--host", SAMPLE_HOST, "--user", "app").json()
    assert doc["sslrootcert"] == certifi.where()


def test_eval_env_then_psql_connects_with_verify_full(
    cli: Cli, pg_tls: Any, tmp_path: Path
) -> None:
    # The README's `eval "$(proxyctl token ... --format env)" && psql`, on a machine
    # without ~/.postgresql/root.crt (HOME is empty). The test server takes a password,
    # not a token, so PGPASSWORD is put back after the eval; TLS is what is checked.
    run = cli(
        *("token", "--host", "localhost", "--port", str(pg_tls.port), "--user", "app"),
        *("--database", "app", "--ca-bundle", str(pg_tls.ca_file), "--format", "env"),
    )
    assert run.exit_code == 0, run.stderr
    script = 'eval "$TOKEN_ENV" && PGPASSWORD="$PASSWORD" PGHOSTADDR="$ADDR" psql -XtAc "$SQL"'
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "TOKEN_ENV": run.stdout,
        "PASSWORD": APP_PASSWORD,
        "ADDR": pg_tls.host,
        "SQL": "select ssl from pg_stat_ssl where pid = pg_backend_pid()",
    }
    psql = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env)
    assert (psql.returncode, psql.stdout.strip()) == (0, "t"), psql.stderr


def test_uri_names_the_ca_bundle_and_psql_connects(cli: Cli, pg_tls: Any, tmp_path: Path) -> None:
    run = cli(
        *("token", "--host", "localhost", "--port", str(pg_tls.port), "--user", "app"),
        *("--database", "app", "--ca-bundle", str(pg_tls.ca_file), "--format", "uri"),
    )
    assert run.exit_code == 0, run.stderr
    parts = urlsplit(run.stdout.strip())
    assert parse_qs(parts.query)["sslrootcert"] == [str(pg_tls.ca_file.resolve())]
    # The same URI with the password the test server takes instead of the token.
    uri = parts._replace(netloc=f"app:{APP_PASSWORD}@localhost:{pg_tls.port}").geturl()
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "PGHOSTADDR": pg_tls.host}
    psql = subprocess.run(
        ["psql", "-XtAc", "select 1", uri], capture_output=True, text=True, env=env
    )
    assert (psql.returncode, psql.stdout.strip()) == (0, "1"), psql.stderr


def test_other_hosts_get_the_ca_file_check_uses(cli: Cli) -> None:
    """libpq gets the file `check` verifies the same host with: the system's CA file for
    other hosts (libpq's own default may be a directory that does not exist), and for a
    direct RDS endpoint also the hint to download the RDS CA bundle."""
    from proxyctl.db.tls import system_ca_file

    system = system_ca_file()
    assert system is not None, "this machine has no CA bundle: apt-get install ca-certificates"
    run = cli("token", "--host", "db.example.com", "--user", "app", "--format", "env")
    assert run.exit_code == 0
    assert env_of(run.stdout, "PGSSLROOTCERT") == [system]
    assert run.stderr == ""
    direct = "orders.cluster-c0ffee123456.us-east-1.rds.amazonaws.com"
    run = cli("token", "--host", direct, "--user", "app", "--format", "uri")
    assert parse_qs(urlsplit(run.stdout.strip()).query)["sslrootcert"] == [system]
    assert "--ca-bundle global-bundle.pem" in run.stderr


def test_a_missing_ca_bundle_is_a_usage_error(cli: Cli, tmp_path: Path) -> None:
    missing = tmp_path / "nope.pem"
    run = cli("token", "--host", SAMPLE_HOST, "--user", "app", "--ca-bundle", str(missing))
    assert run.exit_code == 2
    assert run.stderr.startswith(f"error: --ca-bundle: no file {missing}.\n")


# --- token inspect -------------------------------------------------------------------


def _signed_later(token: str, seconds: int) -> str:
    """The same token with its X-Amz-Date moved `seconds` later (a clock ahead)."""
    stamp = parse_qs(token.split("?", 1)[1])["X-Amz-Date"][0]
    when = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    return token.replace(stamp, (when + timedelta(seconds=seconds)).strftime("%Y%m%dT%H%M%SZ"))


def test_inspect_says_a_token_from_the_future_is_not_yet_valid(cli: Cli) -> None:
    token = _signed_later(cli("token", "--host", SAMPLE_HOST, "--user", "app").stdout, 3600)
    run = cli("token", "inspect", "-", input=token)
    assert run.exit_code == 0, run.stderr
    state = next(line for line in run.stdout.splitlines() if line.startswith("state"))
    assert re.fullmatch(
        r"state +not yet valid: signed 3[56]\d\d s ahead of this machine's clock "
        r"\(check the clocks here and where it was signed\)",
        state,
    ), state
    doc = cli("--output", "json", "token", "inspect", "-", input=token).json()
    assert (doc["not_yet_valid"], doc["expired"], doc["seconds_left"]) == (True, False, 0)
    assert 3590 <= doc["seconds_until_valid"] <= 3600
    assert doc["lifetime_seconds"] == 900


def test_inspect_counts_seconds_left_within_the_lifetime() -> None:
    signed = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    token = (
        f"{SAMPLE_HOST}:5432/?Action=connect&DBUser=app&X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20260102%2Fus-east-1%2Frds-db%2Faws4_request"
        "&X-Amz-Date=20260102T030405Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host"
        "&X-Amz-Signature=" + "a" * 64
    )
    for now, left, early, expired in [
        (signed - timedelta(seconds=1), 0, True, False),
        (signed - timedelta(milliseconds=1), 0, True, False),
        (signed, 900, False, False),
        (signed + timedelta(seconds=899), 1, False, False),
        (signed + timedelta(seconds=900), 0, False, True),
    ]:
        info = inspect_token(token, now)
        assert (info.seconds_left, info.not_yet_valid, info.expired) == (left, early, expired)
        assert info.seconds_left <= info.lifetime_seconds
    assert inspect_token(token, signed - timedelta(milliseconds=1)).seconds_until_valid == 1
