"""The lab's proxy front in tests: its certificate, a front on a free port, and a client
(psycopg, verify-full for the endpoint name, connecting to 127.0.0.1 by `hostaddr`)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock

import psycopg
import pytest

from proxyctl.aws.signing import EnvironmentCredentials, sign_token
from proxyctl.lab import certs
from proxyctl.lab.aws_world import CREDENTIALS, REGION
from proxyctl.lab.front import Front, FrontConfig
from tests.pg import APP_PASSWORD

ENDPOINT = "orders.proxy-c0ffee123456.us-east-1.rds.amazonaws.com"


def make_ca(folder: Path) -> Path:
    """A lab CA's certificate in FOLDER; its certificate for ENDPOINT sits next to it."""
    ca = certs.new_ca()
    certs.write_ca(ca, folder / "ca.pem")
    certs.write_leaf(certs.issue(ca, (ENDPOINT,)), folder / "front.crt", folder / "front.key")
    return folder / "ca.pem"


def make_front(backend_port: int, ca_file: Path, aws_url: str, **kw: Any) -> Front:
    """A started front for ENDPOINT in front of the server on BACKEND_PORT."""
    settings: dict[str, Any] = {
        "passwords": {"app": APP_PASSWORD},
        "metrics_interval": 0.5,
        "log_interval": 0.2,
        **kw,
    }
    config = FrontConfig(
        proxy=f"front-{secrets.token_hex(4)}",  # its own log group and metrics in moto
        endpoint=ENDPOINT,
        port=5432,
        listen=("127.0.0.1", 0),
        cert_file=ca_file.parent / "front.crt",
        key_file=ca_file.parent / "front.key",
        backend=("127.0.0.1", backend_port),
        region=REGION,
        access_key=CREDENTIALS[0],
        secret_key=CREDENTIALS[1],
        aws_url=aws_url,
        **settings,
    )
    front = Front(config)
    front.start()
    return front


def token(port: int = 5432, user: str = "app", signed_at: datetime | None = None) -> str:
    """An IAM token as proxyctl signs one, with the lab's credentials."""
    at = signed_at or datetime.now(UTC)
    with mock.patch("proxyctl.aws.sigv4.utcnow", return_value=at):
        credentials = EnvironmentCredentials(*CREDENTIALS, None)
        return sign_token(credentials, ENDPOINT, port, user, REGION)


def connect(front: Front, ca_file: Path, password: str, **kw: Any) -> psycopg.Connection[Any]:
    host, port = front.address
    params: dict[str, Any] = {
        "host": ENDPOINT,
        "hostaddr": host,
        "port": port,
        "user": "app",
        "dbname": "app",
        "password": password,
        "sslmode": "verify-full",
        "sslrootcert": str(ca_file),
        "connect_timeout": 10,
        "autocommit": True,
        **kw,
    }
    return psycopg.connect(**params)


def refusal(front: Front, ca_file: Path, password: str, **kw: Any) -> str:
    """The server's message of a refused connection."""
    with pytest.raises(psycopg.OperationalError) as refused:
        connect(front, ca_file, password, **kw).close()
    return str(refused.value)
