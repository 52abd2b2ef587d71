"""`proxyctl check` against real PostgreSQL servers that the tests start, with trustme TLS."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import trustme

from tests import pg
from tests.conftest import Cli


def check(
    cli: Cli, server: Any, *args: str, password: str = pg.APP_PASSWORD
) -> tuple[int, dict[str, Any], str]:
    """Run check as the app user with a password; return exit code, findings by code, stderr."""
    run = cli(
        "--output",
        "json",
        "check",
        "--user",
        "app",
        "--database",
        "app",
        "--auth",
        "password",
        "--samples",
        "3",
        *args,
        env={"PGPASSWORD": password},
    )
    doc = run.json()
    assert doc["kind"] == "check", run.stdout
    return run.exit_code, {f["code"]: f for f in doc["findings"]}, run.stderr


def statuses(findings: dict[str, Any]) -> dict[str, str]:
    return {code: f["status"] for code, f in findings.items()}


def test_everything_right(cli: Cli, pg_tls: pg.PgServer) -> None:
    code, found, _ = check(
        cli,
        pg_tls,
        "--host",
        "localhost",
        "--port",
        str(pg_tls.port),
        "--ca-bundle",
        str(pg_tls.ca_file),
    )
    assert code == 0, found
    assert set(statuses(found).values()) == {"ok"}
    assert [f["phase"] for f in found.values()][:3] == ["resolve", "tcp", "tls"]
    assert found["tls.handshake"]["details"]["protocol"] in ("TLSv1.2", "TLSv1.3")
    cert = found["tls.certificate"]["details"]
    assert "localhost" in cert["sans"] and "db.test" in cert["sans"]
    assert cert["days_left"] > 30
    assert found["tls.chain"]["details"]["store"] == f"--ca-bundle {pg_tls.ca_file}"
    assert found["auth.ok"]["message"] == "signed in as app to app (password, TLS)."
    query = found["query.ok"]["details"]
    assert (query["user"], query["database"], query["in_recovery"]) == ("app", "app", False)
    assert query["server_address"] == "127.0.0.1"
    assert found["query.latency"]["details"]["samples"] == 3
    assert all(
        f["duration_ms"] is not None
        for c, f in found.items()
        if c in ("dns.resolved", "tcp.connected", "tls.handshake", "auth.ok", "query.ok")
    )


def test_text_checklist_and_verdict(cli: Cli, pg_tls: pg.PgServer) -> None:
    run = cli(
        "check",
        "--host",
        "localhost",
        "--port",
        str(pg_tls.port),
        "--user",
        "app",
        "--database",
        "app",
        "--auth",
        "password",
        "--ca-bundle",
        str(pg_tls.ca_file),
        env={"PGPASSWORD": pg.APP_PASSWORD},
    )
    assert run.exit_code == 0
    assert run.stdout.splitlines()[0].startswith("✓ resolve")
    assert run.stdout.splitlines()[-1] == f"OK: app@localhost:{pg_tls.port} works end to end"
    assert pg.APP_PASSWORD not in run.stdout + run.stderr


def test_server_without_tls(cli: Cli, pg_plain: pg.PgServer) -> None:
    code, found, _ = check(cli, pg_plain, "--host", "localhost", "--port", str(pg_plain.port))
    assert code == 6
    assert found["tls.refused"]["status"] == "fail"
    assert "answered N to SSLRequest" in found["tls.refused"]["message"]
    assert "ssl = on" in found["tls.refused"]["hint"]
    assert "auth.ok" not in found  # phases stop at the first failure


def test_untrusted_ca(cli: Cli, pg_tls: pg.PgServer, tmp_path: Path) -> None:
    other = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    code, found, _ = check(
        cli, pg_tls, "--host", "localhost", "--port", str(pg_tls.port), "--ca-bundle", str(other)
    )
    assert code == 6
    chain = found["tls.chain"]
    assert chain["status"] == "fail" and "does not verify against --ca-bundle" in chain["message"]
    assert "Pass --ca-bundle with the CA that signed" in chain["hint"]
    assert found["tls.certificate"]["details"]["sans"]  # the certificate is still described


def test_host_name_mismatch(cli: Cli, pg_tls: pg.PgServer) -> None:
    code, found, _ = check(
        cli,
        pg_tls,
        "--host",
        "elsewhere.test",
        "--via",
        f"127.0.0.1:{pg_tls.port}",
        "--ca-bundle",
        str(pg_tls.ca_file),
    )
    assert code == 6
    assert found["tls.chain"]["status"] == "ok"
    assert found["tls.hostname"]["status"] == "fail"
    assert found["tls.hostname"]["message"] == "the certificate does not name elsewhere.test."


def test_expired_certificate(cli: Cli, pg_server: pg.StartServer) -> None:
    server = pg_server(expired=True)
    code, found, _ = check(
        cli,
        server,
        "--host",
        "localhost",
        "--port",
        str(server.port),
        "--ca-bundle",
        str(server.ca_file),
    )
    assert code == 6
    assert found["tls.expired"]["status"] == "fail" and "expired" in found["tls.expired"]["message"]
    assert "Renew the server's certificate" in found["tls.expired"]["hint"]


def test_wrong_password(cli: Cli, pg_tls: pg.PgServer) -> None:
    code, found, stderr = check(
        cli,
        pg_tls,
        "--host",
        "localhost",
        "--port",
        str(pg_tls.port),
        "--ca-bundle",
        str(pg_tls.ca_file),
        password="not-the-password",
    )
    assert code == 6
    assert found["auth.wrong_password"]["status"] == "fail"
    assert "password authentication failed" in found["auth.wrong_password"]["message"]
    assert "not-the-password" not in str(found) + stderr


def test_unknown_database(cli: Cli, pg_tls: pg.PgServer) -> None:
    run = cli(
        "--output",
        "json",
        "check",
        "--host",
        "localhost",
        "--port",
        str(pg_tls.port),
        "--user",
        "app",
        "--database",
        "nosuch",
        "--auth",
        "password",
        "--ca-bundle",
        str(pg_tls.ca_file),
        env={"PGPASSWORD": pg.APP_PASSWORD},
    )
    found = {f["code"]: f for f in run.json()["findings"]}
    assert run.exit_code == 6
    assert 'database "nosuch" does not exist' in found["auth.unknown_database"]["message"]


def test_nothing_listening(cli: Cli) -> None:
    port = pg.free_port()
    code, found, _ = check(cli, None, "--host", "127.0.0.1", "--port", str(port))
    assert code == 6
    assert found["tcp.refused"]["message"] == f"127.0.0.1:{port} refused the connection."
    assert "Nothing listens there" in found["tcp.refused"]["hint"]


def test_a_connection_that_hangs_is_bounded(cli: Cli) -> None:
    with pg.hanging_server() as port:
        start = time.monotonic()
        code, found, _ = check(
            cli, None, "--host", "127.0.0.1", "--port", str(port), "--connect-timeout", "1"
        )
        elapsed = time.monotonic() - start
    assert code == 6
    assert found["tls.timeout"]["message"] == "no answer to PostgreSQL's SSLRequest within 1 s."
    assert elapsed < 5  # the timeout plus start-up, not a hang


def test_a_name_that_does_not_resolve(cli: Cli) -> None:
    code, found, _ = check(cli, None, "--host", "no-such-host.invalid")
    assert code == 6
    assert found["dns.unresolved"]["message"].startswith("no-such-host.invalid does not resolve")
    assert "region" in found["dns.unresolved"]["hint"]


def test_via_verifies_the_real_host_name(cli: Cli, pg_tls: pg.PgServer) -> None:
    code, found, _ = check(
        cli,
        pg_tls,
        "--host",
        "db.test",
        "--via",
        f"127.0.0.1:{pg_tls.port}",
        "--ca-bundle",
        str(pg_tls.ca_file),
    )
    assert code == 0, found
    assert (
        found["dns.resolved"]["message"] == "127.0.0.1 (tunnel for db.test) resolves to 127.0.0.1."
    )
    assert found["tls.hostname"]["message"] == "the certificate names db.test."


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["--via", "localhost"], "--via"),
        (["--via", "localhost:0"], "--via"),
        (["--auth", "kerberos"], "--auth"),
        (["--ca-bundle", "/nonexistent.pem"], "--ca-bundle"),
        (["--source-cidr", "10.0.0.0/99"], "--source-cidr"),
    ],
)
def test_bad_flags_exit_2(cli: Cli, args: list[str], names: str) -> None:
    run = cli("check", "--host", "localhost", "--user", "app", *args)
    assert run.exit_code == 2 and names in run.stderr


def test_debug_logs_never_show_the_password(cli: Cli, pg_tls: pg.PgServer) -> None:
    run = cli(
        "--debug",
        "check",
        "--host",
        "localhost",
        "--port",
        str(pg_tls.port),
        "--user",
        "app",
        "--database",
        "app",
        "--auth",
        "password",
        "--ca-bundle",
        str(pg_tls.ca_file),
        env={"PGPASSWORD": pg.APP_PASSWORD},
    )
    assert run.exit_code == 0, run.stderr
    assert pg.APP_PASSWORD not in run.stdout + run.stderr
