"""The lab's PostgreSQL servers behave as the db/, check/ and drill/ tests rely on."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from proxyctl.lab import postgres
from proxyctl.lab.errors import LabToolMissing
from proxyctl.lab.faults import hanging_server
from proxyctl.lab.postgres import APP_PASSWORD, PgServer, start_server
from proxyctl.lab.system import HOST
from tests.pg import StartServer

SSL_QUERY = "select current_user, ssl from pg_stat_ssl where pid = pg_backend_pid()"


def test_tls_server_takes_verify_full_for_each_certificate_name(pg_tls: PgServer) -> None:
    assert pg_tls.ca_file is not None
    conninfo = f"host=localhost port={pg_tls.port} dbname=app user=app password={APP_PASSWORD} "
    conninfo += f"sslmode=verify-full sslrootcert={pg_tls.ca_file}"
    with psycopg.connect(conninfo, connect_timeout=5) as conn:
        assert conn.execute(SSL_QUERY).fetchone() == ("app", True)
    with psycopg.connect(pg_tls.conninfo(host="db.test")) as conn:
        assert conn.execute(SSL_QUERY).fetchone() == ("app", True)


def test_tls_server_certificate_does_not_cover_other_names(pg_tls: PgServer) -> None:
    with pytest.raises(psycopg.OperationalError, match=r'does not match host name "other\.test"'):
        psycopg.connect(pg_tls.conninfo(host="other.test"))


def test_tls_server_refuses_plaintext(pg_tls: PgServer) -> None:
    with pytest.raises(psycopg.OperationalError) as caught:
        psycopg.connect(pg_tls.conninfo(sslmode="disable", sslrootcert=None))
    assert "no pg_hba.conf entry" in str(caught.value)
    assert "no encryption" in str(caught.value)


def test_plain_server_takes_plaintext_and_refuses_tls(pg_plain: PgServer) -> None:
    assert pg_plain.ca_file is None
    with psycopg.connect(pg_plain.conninfo()) as conn:
        assert conn.execute(SSL_QUERY).fetchone() == ("app", False)
    with pytest.raises(psycopg.OperationalError, match="server does not support SSL"):
        psycopg.connect(pg_plain.conninfo(sslmode="require"))


def test_psql_runs_sql_as_superuser(pg_plain: PgServer) -> None:
    assert pg_plain.psql("select current_user, 1, null") == "postgres|1|"
    owner = "select pg_get_userbyid(datdba) from pg_database where datname = 'app'"
    assert pg_plain.psql(owner) == "app"


def test_expired_certificate_fails_verify_full_until_a_new_one_is_used(
    pg_bindir: Path, tmp_path: Path
) -> None:
    yesterday = datetime.now(UTC) - timedelta(days=1)
    server = start_server(tmp_path / "expired", not_after=yesterday, bindir=pg_bindir)
    try:
        assert server.ca is not None
        with pytest.raises(psycopg.OperationalError, match="certificate verify failed"):
            psycopg.connect(server.conninfo())

        server.use_cert(server.ca.issue_cert("localhost"))

        with psycopg.connect(server.conninfo()) as conn:
            assert conn.execute(SSL_QUERY).fetchone() == ("app", True)
    finally:
        server.remove()
    assert not (server.data_dir / "postmaster.pid").exists()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(server.conninfo())


def test_restart_cuts_open_connections_and_serves_new_ones(pg_server: StartServer) -> None:
    server = pg_server(tls=False)
    with psycopg.connect(server.conninfo(), autocommit=True) as old:
        server.restart()
        with pytest.raises(psycopg.OperationalError):
            old.execute("select 1")
    with psycopg.connect(server.conninfo()) as conn:
        assert conn.execute("select 1").fetchone() == (1,)

    server.stop()
    server.stop()  # a second stop is a no-op
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(server.conninfo())
    server.restart()
    assert server.psql("select 1") == "1"


def test_hanging_server_makes_connect_time_out() -> None:
    with hanging_server() as port:
        started = time.monotonic()
        with pytest.raises(psycopg.OperationalError, match="timeout"):
            psycopg.connect(host=HOST, port=port, connect_timeout=1, user="app", dbname="app")
        elapsed = time.monotonic() - started
    # libpq and psycopg raise a connect_timeout of 1 to their 2 s minimum; 1 s of slack.
    assert elapsed < 3.0


def test_missing_binaries_say_how_to_get_them(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(postgres, "DEBIAN_PG_ROOT", tmp_path)
    missing = r"^PostgreSQL server binaries \(initdb, pg_ctl, postgres\) not found$"
    with pytest.raises(LabToolMissing, match=missing) as caught:
        postgres.find_bindir()
    assert caught.value.exit_code == 2
    assert caught.value.hint is not None
    assert "`apt-get install postgresql`" in caught.value.hint
    assert "`brew install postgresql@15`" in caught.value.hint

    monkeypatch.setenv("PROXYCTL_PG_BINDIR", str(tmp_path))
    with pytest.raises(LabToolMissing, match=f"PROXYCTL_PG_BINDIR={tmp_path} has no initdb"):
        postgres.find_bindir()
