"""IAM auth tokens for RDS Proxy, read offline, and the ways to print one.

A token is a SigV4-presigned `connect` request, without its scheme:
`HOST:PORT/?Action=connect&DBUser=USER&X-Amz-Algorithm=...&X-Amz-Signature=...`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import ClassVar
from urllib.parse import parse_qs, quote, unquote

from proxyctl import validate
from proxyctl.errors import UsageError
from proxyctl.logs import remember_secret
from proxyctl.output import iso

TOKEN_LIFETIME_SECONDS = 900
SIGNING_SERVICE = "rds-db"
FORMATS = ("token", "env", "uri", "json")
# X-Amz-Date: YYYYMMDDTHHMMSSZ (read without strptime, which is slow to import)
_AMZ_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_REQUIRED = (
    "Action",
    "DBUser",
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-SignedHeaders",
    "X-Amz-Signature",
)


@dataclass
class AuthToken:
    """A token made by `proxyctl token`, with what it was signed for."""

    KIND: ClassVar[str] = "token"
    token: str
    host: str
    port: int
    user: str
    region: str
    database: str
    issued_at: datetime
    expires_at: datetime
    # The CA file that verifies the endpoint (PGSSLROOTCERT), or None when unknown.
    sslrootcert: str | None = None
    fmt: str = field(default="token", metadata={"json": False})

    def __post_init__(self) -> None:
        remember_secret(self.token)  # masked in logs and errors; printed only as the result

    def text(self) -> str:
        if self.fmt == "env":
            return env_lines(self)
        if self.fmt == "uri":
            return uri(self) + "\n"
        return self.token + "\n"


def env_lines(tok: AuthToken) -> str:
    import shlex

    pairs = [
        ("PGHOST", tok.host),
        ("PGPORT", str(tok.port)),
        ("PGUSER", tok.user),
        ("PGDATABASE", tok.database),
        ("PGPASSWORD", tok.token),
        ("PGSSLMODE", "verify-full"),
    ]
    if tok.sslrootcert:
        pairs.append(("PGSSLROOTCERT", tok.sslrootcert))
    return "".join(f"export {name}={shlex.quote(value)}\n" for name, value in pairs)


def uri(tok: AuthToken) -> str:
    user = quote(tok.user, safe="")
    password = quote(tok.token, safe="")
    database = quote(tok.database, safe="")
    query = "sslmode=verify-full"
    if tok.sslrootcert:
        query += "&sslrootcert=" + quote(tok.sslrootcert, safe="/")
    return f"postgresql://{user}:{password}@{tok.host}:{tok.port}/{database}?{query}"


def choose_region(
    configured: str | None, host: str, profile_region: Callable[[], str | None]
) -> tuple[str, str | None]:
    """The region to sign for, and a warning when the host name says another.

    Order: the settings (flag, environment, config file), then the region in an
    *.rds.amazonaws.com host name, then the AWS profile's region.
    """
    in_host = validate.region_from_host(host)
    if configured:
        if in_host and in_host != configured:
            return configured, (
                f"{host} is in {in_host} but the region setting is {configured}: the token is "
                f"signed for {configured} and that proxy will reject it; pass --region {in_host}."
            )
        return configured, None
    if in_host:
        return in_host, None
    region = profile_region()
    if region:
        return region, None
    raise UsageError(
        "--region: no region is set and the host name does not name one.",
        hint="Pass --region, set AWS_REGION, or put region in the config file.",
        field="--region",
    )


def mask_key_id(key_id: str) -> str:
    """AKIA************WXYZ: the kind of key and its last four characters."""
    if len(key_id) <= 8:
        return "*" * len(key_id)
    return key_id[:4] + "*" * (len(key_id) - 8) + key_id[-4:]


@dataclass
class TokenInfo:
    """What `proxyctl token inspect` reads out of a token, offline."""

    KIND: ClassVar[str] = "token-inspect"
    host: str
    port: int
    user: str
    region: str
    access_key_id: str
    temporary_credentials: bool
    signed_at: datetime
    expires_at: datetime
    lifetime_seconds: int
    seconds_left: int
    expired: bool
    # Signed after this machine's "now": AWS refuses it until then (one of the clocks is off).
    not_yet_valid: bool = False
    seconds_until_valid: int = 0

    def text(self) -> str:
        state = "expired" if self.expired else f"valid, {self.seconds_left} s left"
        if self.not_yet_valid:
            state = (
                f"not yet valid: signed {self.seconds_until_valid} s ahead of this machine's "
                "clock (check the clocks here and where it was signed)"
            )
        rows = [
            ("host", self.host),
            ("port", str(self.port)),
            ("user", self.user),
            ("region", self.region),
            ("access key id", self.access_key_id),
            (
                "credentials",
                "temporary (session token)" if self.temporary_credentials else "long-term",
            ),
            ("signed at", iso(self.signed_at)),
            ("expires at", iso(self.expires_at)),
            ("lifetime", f"{self.lifetime_seconds} s"),
            ("state", state),
        ]
        width = max(len(name) for name, _ in rows)
        return "".join(f"{name.ljust(width)}  {value}\n" for name, value in rows)


def _bad(problem: str) -> UsageError:
    return UsageError(
        f"TOKEN: not an RDS IAM auth token: {problem}.",
        hint="Pass the token exactly as `proxyctl token` printed it, or '-' to read it from stdin.",
        field="TOKEN",
    )


def _split(token: str) -> tuple[str, int, dict[str, str]]:
    text = token.strip()
    if "?" not in text and "%3F" in text.upper():
        text = unquote(text)  # a token copied out of a postgresql:// URI
    for scheme in ("https://", "http://"):
        text = text.removeprefix(scheme)
    if not text:
        raise _bad("it is empty")
    if "/?" not in text:
        raise _bad("it has no '/?' between the host and the signed query")
    host_port, query = text.split("/?", 1)
    host, _, port_text = host_port.rpartition(":")
    if not host or not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        raise _bad(f"{host_port!r} is not HOST:PORT")
    try:
        values = parse_qs(query, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise _bad("its query is not key=value pairs") from None
    repeated = sorted(k for k, v in values.items() if len(v) > 1)
    if repeated:
        raise _bad(f"{', '.join(repeated)} appear more than once")
    return host, int(port_text), {k: v[0] for k, v in values.items()}


def _signed_at(params: dict[str, str]) -> tuple[datetime, int]:
    stamp = _AMZ_DATE.match(params["X-Amz-Date"])
    try:
        if stamp is None:
            raise ValueError
        year, month, day, hour, minute, second = (int(part) for part in stamp.groups())
        signed_at = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        raise _bad(f"X-Amz-Date {params['X-Amz-Date']!r} is not YYYYMMDDTHHMMSSZ") from None
    expires = params["X-Amz-Expires"]
    if not expires.isdigit() or int(expires) == 0:
        raise _bad(f"X-Amz-Expires {expires!r} is not a number of seconds")
    return signed_at, int(expires)


def inspect_token(token: str, now: datetime) -> TokenInfo:
    host, port, params = _split(token)
    missing = [name for name in _REQUIRED if name not in params]
    if missing:
        raise _bad("it lacks " + ", ".join(missing))
    if params["Action"] != "connect":
        raise _bad(f"its Action is {params['Action']!r}, not 'connect'")
    if params["X-Amz-Algorithm"] != "AWS4-HMAC-SHA256":
        raise _bad(f"its algorithm {params['X-Amz-Algorithm']!r} is not AWS4-HMAC-SHA256")
    if not _HEX64.match(params["X-Amz-Signature"]):
        raise _bad("its signature is not 64 hexadecimal digits")
    scope = params["X-Amz-Credential"].split("/")
    if len(scope) != 5 or scope[3] != SIGNING_SERVICE or scope[4] != "aws4_request":
        raise _bad("its credential scope is not KEY/DATE/REGION/rds-db/aws4_request")
    key_id, _date, region, _service, _ = scope
    signed_at, lifetime = _signed_at(params)
    expires_at = signed_at + timedelta(seconds=lifetime)
    ahead = math.ceil((signed_at - now).total_seconds())
    # Seconds the token can still be used from now on: none before it is valid.
    seconds_left = 0 if now < signed_at else max(0, int((expires_at - now).total_seconds()))
    return TokenInfo(
        host=host,
        port=port,
        user=params["DBUser"],
        region=region,
        access_key_id=mask_key_id(key_id),
        temporary_credentials="X-Amz-Security-Token" in params,
        signed_at=signed_at,
        expires_at=expires_at,
        lifetime_seconds=lifetime,
        seconds_left=seconds_left,
        expired=now >= expires_at,
        not_yet_valid=now < signed_at,
        seconds_until_valid=max(0, ahead),
    )
