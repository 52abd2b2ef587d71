"""SigV4 query presigning of an RDS `connect` request, with the standard library only.

botocore's signer (botocore.auth) imports botocore's HTTP stack with it (urllib3,
http.client, email, dateutil): about half of `proxyctl token`'s start-up for a
few HMACs. This makes the same string as botocore's `generate_db_auth_token`
(tests/aws/test_signing.py compares them), following AWS's Signature Version 4
for a presigned GET: https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

ALGORITHM = "AWS4-HMAC-SHA256"
EMPTY_PAYLOAD = hashlib.sha256(b"").hexdigest()  # a GET's body, signed as botocore signs it


def utcnow() -> datetime:
    """The signing time (tests replace it to compare with botocore at a fixed time)."""
    return datetime.now(UTC)


def _encode(value: str) -> str:
    return quote(value, safe="-_.~")


def _query(params: list[tuple[str, str]]) -> str:
    return "&".join(f"{_encode(k)}={_encode(v)}" for k, v in params)


def _signing_key(secret: str, day: str, region: str, service: str) -> bytes:
    key = ("AWS4" + secret).encode()
    for part in (day, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def presign_connect(
    credentials: Any, host: str, port: int, user: str, region: str, service: str, expires: int
) -> str:
    """`HOST:PORT/?Action=connect&DBUser=USER&X-Amz-...`: the token, without a scheme.

    CREDENTIALS has access_key, secret_key and token (None without a session).
    """
    now = utcnow().astimezone(UTC)
    stamp, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    scope = f"{day}/{region}/{service}/aws4_request"
    params = [
        ("X-Amz-Algorithm", ALGORITHM),
        ("X-Amz-Credential", f"{credentials.access_key}/{scope}"),
        ("X-Amz-Date", stamp),
        ("X-Amz-Expires", str(expires)),
        ("X-Amz-SignedHeaders", "host"),
    ]
    if credentials.token is not None:
        params.append(("X-Amz-Security-Token", credentials.token))
    operation = [("Action", "connect"), ("DBUser", user)]
    signature = connect_signature(
        credentials.secret_key, host, port, region, service, operation + params
    )
    return f"{host}:{port}/?{_query(operation)}&{_query(params)}&X-Amz-Signature={signature}"


def connect_signature(
    secret_key: str, host: str, port: int, region: str, service: str, params: list[tuple[str, str]]
) -> str:
    """X-Amz-Signature of a presigned GET of HOST:PORT/ with PARAMS: every query parameter
    but the signature, X-Amz-Date among them. A signer and a checker both call this."""
    stamp = dict(params)["X-Amz-Date"]
    day = stamp[:8]
    scope = f"{day}/{region}/{service}/aws4_request"
    # The Host header as an HTTP client sends it: lower case, without the default port.
    header = host.lower() if port == 443 else f"{host.lower()}:{port}"
    canonical = "\n".join(
        ["GET", "/", _query(sorted(params)), f"host:{header}\n", "host", EMPTY_PAYLOAD]
    )
    to_sign = "\n".join([ALGORITHM, stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = _signing_key(secret_key, day, region, service)
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
