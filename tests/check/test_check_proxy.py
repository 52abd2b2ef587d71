"""`proxyctl check --proxy`: both halves at once. The proxy's endpoint (from moto) is
reached through --via at a real PostgreSQL server whose certificate names it."""

from __future__ import annotations

from typing import Any

from tests import pg
from tests.conftest import Cli, boto_client
from tests.provision_helpers import seed_stack


def test_check_a_proxy_end_to_end(cli: Cli, aws: str, pg_server: pg.StartServer) -> None:
    seed_stack(aws, "orders")
    endpoint = boto_client(aws, "rds").describe_db_proxies(DBProxyName="orders")["DBProxies"][0][
        "Endpoint"
    ]
    server = pg_server(cert_names=(endpoint,))
    run = cli(
        "--output",
        "json",
        "check",
        "--proxy",
        "orders",
        "--user",
        "app",
        "--database",
        "app",
        "--auth",
        "password",
        "--via",
        f"127.0.0.1:{server.port}",
        "--ca-bundle",
        str(server.ca_file),
        "--source-cidr",
        "10.0.5.0/24",
        "--samples",
        "2",
        env={"PGPASSWORD": pg.APP_PASSWORD},
    )
    doc = run.json()
    found: dict[str, Any] = {f["code"]: f for f in doc["findings"]}
    assert run.exit_code == 6, run.stderr  # the proxy requires IAM: a password is refused
    assert found["tls.hostname"]["message"] == f"the certificate names {endpoint}."
    assert found["auth.ok"]["status"] == "ok"  # the local server took the password
    aws_codes = {c: f["status"] for c, f in found.items() if f["phase"] == "aws"}
    assert aws_codes["proxy.iam_auth"] == "fail"
    assert aws_codes["proxy.status"] == "ok" and aws_codes["network.client_ingress"] == "ok"


def test_skip_aws_and_unknown_proxy(cli: Cli, aws: str) -> None:
    seed_stack(aws, "orders")
    run = cli("check", "--proxy", "ordrs", "--user", "app")
    assert run.exit_code == 3 and "Proxies in us-east-1: orders." in run.stderr
    run = cli(
        "--output",
        "json",
        "check",
        "--proxy",
        "orders",
        "--user",
        "app",
        "--skip-aws",
        "--connect-timeout",
        "0.5",
    )
    assert all(f["phase"] != "aws" for f in run.json()["findings"])


def test_iam_token_is_signed_for_the_real_host_through_via(
    cli: Cli, aws: str, pg_server: pg.StartServer, monkeypatch: Any
) -> None:
    from datetime import UTC, datetime

    import psycopg

    from proxyctl.tokens import inspect_token

    seed_stack(aws, "orders")
    endpoint = boto_client(aws, "rds").describe_db_proxies(DBProxyName="orders")["DBProxies"][0][
        "Endpoint"
    ]
    server = pg_server(cert_names=(endpoint,))
    seen: dict[str, Any] = {}
    real_connect = psycopg.connect

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.update(kwargs)
        return real_connect(*args, **kwargs)

    monkeypatch.setattr(psycopg, "connect", spy)
    run = cli(
        "--output",
        "json",
        "check",
        "--proxy",
        "orders",
        "--user",
        "app",
        "--database",
        "app",
        "--via",
        f"127.0.0.1:{server.port}",
        "--ca-bundle",
        str(server.ca_file),
    )
    token = inspect_token(seen["password"], datetime.now(UTC))
    assert (token.host, token.port, token.user) == (endpoint, 5432, "app")
    assert (seen["host"], seen["hostaddr"], seen["port"]) == (endpoint, "127.0.0.1", server.port)
    assert seen["sslmode"] == "verify-full"
    # A plain PostgreSQL server does not know IAM: it refuses the token as a password.
    found = {f["code"]: f for f in run.json()["findings"]}
    assert found["auth.wrong_password"]["status"] == "fail"
    assert seen["password"] not in run.stdout + run.stderr


def test_aws_refusal_keeps_the_data_plane_report(cli: Cli, aws: str, monkeypatch: Any) -> None:
    import proxyctl.check.read as read
    from proxyctl.errors import AwsRefusedError

    seed_stack(aws, "orders")

    def refuse(c: Any, proxy: Any) -> Any:
        raise AwsRefusedError(
            "AWS refused to describe the proxy: AccessDenied.", hint="Add rds:Describe*."
        )

    monkeypatch.setattr(read, "read_proxy_facts", refuse)
    run = cli(
        "--output",
        "json",
        "check",
        "--proxy",
        "orders",
        "--user",
        "app",
        "--connect-timeout",
        "0.5",
    )
    assert run.exit_code == 4
    codes = {f["code"] for f in run.json()["findings"]}
    assert "dns.unresolved" in codes and "aws.refused" in codes
    assert "error: AWS refused to describe the proxy" in run.stderr
