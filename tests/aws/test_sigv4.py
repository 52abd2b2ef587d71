"""The standard-library signer makes botocore's token, byte for byte, in the odd cases too."""

from __future__ import annotations

from datetime import UTC, datetime
from unittest import mock

import boto3
import pytest

from proxyctl.aws import signing

FROZEN = datetime(2026, 2, 28, 23, 59, 59)


@pytest.mark.parametrize(
    ("host", "port", "user"),
    [
        ("Orders.Proxy-c0ffee.eu-west-1.rds.amazonaws.com", 5432, "app"),  # upper case
        ("orders.proxy-c0ffee.eu-west-1.rds.amazonaws.com", 443, "app"),  # the default port
        ("127.0.0.1", 6432, "ünïcode~user.name_-1"),
        ("db.test", 5432, "a+b/c=d%e"),
    ],
)
def test_same_token_as_botocore(host: str, port: int, user: str) -> None:
    with (
        mock.patch("botocore.auth.get_current_datetime", return_value=FROZEN),
        mock.patch("proxyctl.aws.sigv4.utcnow", return_value=FROZEN.replace(tzinfo=UTC)),
    ):
        ours = signing.sign_token(signing.frozen_credentials(None), host, port, user, "eu-west-1")
        theirs = (
            boto3.Session()
            .client("rds", region_name="eu-west-1")
            .generate_db_auth_token(DBHostname=host, Port=port, DBUsername=user)
        )
    assert ours == theirs


def test_a_token_imports_no_http_stack() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from proxyctl.aws import signing\n"
        "from proxyctl.aws.signing import EnvironmentCredentials as C\n"
        "key = C('AKIAIOSFODNN7EXAMPLE', 's', None)\n"
        "signing.sign_token(key, 'h.test', 5432, 'u', 'us-east-1')\n"
        "stack = ('botocore.auth', 'urllib3', 'http.client')\n"
        "print(sorted(m for m in stack if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
