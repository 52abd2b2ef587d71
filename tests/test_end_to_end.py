"""The whole flow once through the installed CLI against a real moto_server process."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from proxyctl.tokens import inspect_token
from tests.aws_world import boto_client, seed_aurora

BIN = Path(sys.executable).parent


@pytest.fixture
def moto_process(tmp_path: Path) -> Iterator[str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = BIN / "moto_server"
    assert server.exists(), "moto_server is missing: pip install 'moto[server]' (tests/run.sh does)"
    proc = subprocess.Popen(
        [str(server), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{url}/moto-api/", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def proxyctl(
    endpoint: str, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("proxyctl", path=str(BIN))
    assert exe is not None, "the proxyctl console script is missing: pip install -e ."
    env = {**os.environ, "PROXYCTL_ENDPOINT_URL": endpoint, "CI": "true"}
    return subprocess.run(
        [exe, *args], input=stdin, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_init_token_grant_destroy(moto_process: str) -> None:
    seed_aurora(moto_process)
    iam = boto_client(moto_process, "iam")
    iam.create_role(RoleName="orders-app", AssumeRolePolicyDocument="{}")

    made = proxyctl(moto_process, "--output", "json", "init", "--yes")
    assert made.returncode == 0, made.stderr
    proxy = json.loads(made.stdout)
    assert proxy["health"] == "proxy available; orders-db AVAILABLE"

    token = proxyctl(moto_process, "token", "--proxy", "orders-db-proxy", "--user", "postgres")
    assert token.returncode == 0, token.stderr
    assert inspect_token(token.stdout, datetime.now(UTC)).host == proxy["endpoint"]

    grant = proxyctl(
        moto_process, "grant", "orders-db-proxy", "--role", "orders-app", "--db-user", "app"
    )
    assert grant.returncode == 0, grant.stderr
    names = iam.list_role_policies(RoleName="orders-app")["PolicyNames"]
    document = iam.get_role_policy(RoleName="orders-app", PolicyName=names[0])["PolicyDocument"]
    prx = proxy["client_policy"]["Statement"][0]["Resource"][0].split(":dbuser:")[1].split("/")[0]
    assert document["Statement"][0]["Resource"] == [
        f"arn:aws:rds-db:us-east-1:123456789012:dbuser:{prx}/app"
    ]

    gone = proxyctl(moto_process, "destroy", "orders-db-proxy", "--yes")
    assert gone.returncode == 0, gone.stderr
    assert boto_client(moto_process, "rds").describe_db_proxies()["DBProxies"] == []
    assert [
        c["DBClusterIdentifier"]
        for c in boto_client(moto_process, "rds").describe_db_clusters()["DBClusters"]
    ] == ["orders-db"]
    again = proxyctl(moto_process, "destroy", "orders-db-proxy", "--yes")
    assert again.returncode == 3
