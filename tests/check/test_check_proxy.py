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
