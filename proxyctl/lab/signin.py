"""How the lab's proxy front lets a client in, as RDS Proxy does where a client can see it.

TLS is required; GSS encryption is declined; a CancelRequest is read and dropped (the
proxy gives out no cancel keys); only the start-up parameters RDS Proxy tracks are
taken; the password comes as cleartext inside TLS and is an IAM token (IAM auth
REQUIRED) or the password of the secret the proxy holds for that user. Refusals carry
RDS Proxy's own texts (FACTS: "Errors a PostgreSQL client sees from a proxy").
"""

from __future__ import annotations

import asyncio
import hmac
import ssl
from dataclasses import dataclass, field
from datetime import UTC, datetime

from proxyctl.lab import wire
from proxyctl.lab.tokencheck import TokenRules, token_problem

# Start-up parameters RDS Proxy tracks (and so takes); any other is refused.
TRACKED = (
    "user",
    "database",
    "application_name",
    "client_encoding",
    "DateStyle",
    "TimeZone",
    "extra_float_digits",
)
# Taken but not passed on: PgBouncer (before 1.20's track_extra_parameters) refuses
# extra_float_digits, which JDBC sends; from PostgreSQL 12 on, any value above 0 prints
# floats the same way (shortest exact), so the server's default stands in for it.
NOT_PASSED = ("user", "extra_float_digits")
AUTH_CLEARTEXT = 3
NO_TLS = "This RDS Proxy requires TLS connections."
NO_USER = "A user name is missing from the connection startup packet."
OPTIONS = "Feature not supported: RDS Proxy currently doesn\u2019t support command-line options."
REPLICATION = "Feature not supported: RDS Proxy currently doesn\u2019t support replication."
OLD_PROTOCOL = "Feature not supported: RDS Proxy supports only protocol version 3."
IAM_FAILED = (
    "The IAM authentication failed for the role {user}. Check the IAM token for this role "
    "and try again."
)
NO_CREDENTIALS = "This RDS proxy has no credentials for the role {user}."
WRONG_PASSWORD = "The password that was provided for the role {user} is wrong."


class Refusal(Exception):
    """The client is turned away with a FATAL error: SQLSTATE, RDS Proxy's text, and the
    reason in the lab's words (for its log; never sent to the client)."""

    def __init__(self, sqlstate: str, text: str, reason: str = "", auth: bool = False) -> None:
        super().__init__(text)
        self.sqlstate, self.text, self.reason = sqlstate, text, reason or text
        self.auth = auth  # counts as ClientConnectionsSetupFailedAuth (auth or TLS)

    def packet(self) -> bytes:
        return wire.error_response("FATAL", self.sqlstate, self.text)


@dataclass
class Greeting:
    """What a client asked for before signing in."""

    tls: bool = False
    cancel: bool = False  # it sent a CancelRequest, which the proxy drops
    parameters: dict[str, str] = field(default_factory=dict)


async def greet(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, context: ssl.SSLContext
) -> Greeting:
    """Read start-up packets until a StartupMessage or a CancelRequest; TLS on the way."""
    greeting = Greeting()
    while True:
        code, body = await wire.read_startup(reader)
        if code == wire.SSL_REQUEST and not greeting.tls:
            writer.write(b"S")
            await writer.drain()
            await writer.start_tls(context)
            greeting.tls = True
        elif code == wire.GSSENC_REQUEST and not greeting.tls:
            writer.write(b"N")
            await writer.drain()
        elif code == wire.CANCEL_REQUEST:
            greeting.cancel = True
            return greeting
        elif code >> 16 == 3:
            if not greeting.tls:
                raise Refusal("28000", NO_TLS, "a plaintext client", auth=True)
            greeting.parameters = wire.parse_startup_parameters(body)
            return greeting
        else:
            raise Refusal("0A000", OLD_PROTOCOL, f"start-up code {code}")


def check_parameters(parameters: dict[str, str]) -> str:
    """The user a StartupMessage names, once its parameters are ones the proxy takes."""
    if "replication" in parameters:
        raise Refusal("0A000", REPLICATION)
    untracked = sorted(name for name in parameters if name not in TRACKED)
    if untracked:
        raise Refusal("0A000", OPTIONS, f"start-up parameters {', '.join(untracked)}")
    user = parameters.get("user", "")
    if not user:
        raise Refusal("28000", NO_USER)
    return user


async def ask_password(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> str:
    """AuthenticationCleartextPassword, then the client's PasswordMessage."""
    writer.write(wire.authentication(AUTH_CLEARTEXT))
    await writer.drain()
    kind, body = await wire.read_message(reader)
    if kind != b"p":
        raise wire.ProtocolViolation(f"expected a password message, got {kind!r}")
    return wire.password_text(body)


def check_password(
    user: str,
    password: str,
    passwords: dict[str, str],
    rules: TokenRules | None,
    now: datetime | None = None,
) -> str:
    """The password the proxy signs in to the database with for USER, once PASSWORD lets
    USER in: an IAM token valid under RULES (IAM auth), else the secret's password."""
    if rules is not None:
        problem = token_problem(password, user, rules, now or datetime.now(UTC))
        if problem is not None:
            raise Refusal("28P01", IAM_FAILED.format(user=user), f"IAM token: {problem}", True)
    if user not in passwords:
        raise Refusal("28000", NO_CREDENTIALS.format(user=user), auth=True)
    secret = passwords[user]
    if rules is None and not hmac.compare_digest(password.encode(), secret.encode()):
        raise Refusal("28P01", WRONG_PASSWORD.format(user=user), auth=True)
    return secret
