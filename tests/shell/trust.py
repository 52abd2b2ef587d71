"""A server user who signs in over TLS by `trust`: an IAM token is sent and not read, so a
real PostgreSQL can stand in for a proxy's IAM sign-in (tests count the tokens made; the
connect benchmark times both sides making one)."""

from __future__ import annotations

from proxyctl.lab.postgres import PgServer


def trust(server: PgServer, user: str) -> None:
    """Let USER sign in over TLS from loopback without a password check."""
    server.psql(f"create role {user} login; grant all on database app to {user}")
    server.psql(f"grant all on schema public to {user}", dbname="app")
    hba = server.data_dir / "pg_hba.conf"
    hba.write_text(f"hostssl all {user} 127.0.0.1/32 trust\n" + hba.read_text())
    server.reload()
