"""The client side of PostgreSQL's protocol, as the lab's proxy front speaks it to the
pooler behind it: TLS when the pooler offers it, then SCRAM-SHA-256, MD5 or cleartext
password sign-in, and the simple queries of PgBouncer's admin console.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import hmac
import secrets
import ssl
import struct
from dataclasses import dataclass, field

from proxyctl.lab import wire

AUTH_OK, AUTH_CLEARTEXT, AUTH_MD5, AUTH_SASL, AUTH_SASL_CONTINUE, AUTH_SASL_FINAL = (
    0,
    3,
    5,
    10,
    11,
    12,
)
SCRAM = "SCRAM-SHA-256"


class BackendRefused(Exception):
    """The server answered sign-in with an ErrorResponse (or broke the protocol)."""

    def __init__(self, sqlstate: str, text: str) -> None:
        super().__init__(text)
        self.sqlstate, self.text = sqlstate, text


@dataclass
class Backend:
    """A signed-in server connection, ready for queries."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    # The ParameterStatus values the server announced at sign-in.
    parameters: dict[str, str] = field(default_factory=dict)

    def close(self) -> None:
        self.writer.close()


async def open_backend(
    address: tuple[str, int], user: str, password: str, parameters: dict[str, str]
) -> Backend:
    """Sign in to the server at ADDRESS as USER with PARAMETERS (database and the settings
    a client may send); TLS without certificate checks when it offers TLS, since it is
    this machine's loopback (the pooler of the lab)."""
    reader, writer = await asyncio.open_connection(*address)
    try:
        writer.write(wire.ssl_request())
        await writer.drain()
        if await reader.readexactly(1) == b"S":
            await writer.start_tls(_unverified_context())
        writer.write(wire.startup_message({"user": user, **parameters}))
        backend = Backend(reader, writer)
        await _sign_in(backend, user, password)
        await _until_ready(backend)
    except BaseException:
        writer.close()
        raise
    return backend


@functools.cache
def _unverified_context() -> ssl.SSLContext:
    """One context for every server connection: making one loads the system's CA
    certificates, tens of milliseconds each time (the writer endpoint of the lab, whose
    server offers TLS, made one for every client)."""
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    return context


async def _receive(backend: Backend) -> tuple[bytes, bytes]:
    await backend.writer.drain()
    kind, body = await wire.read_message(backend.reader)
    if kind == b"E":
        fields = wire.error_fields(body)
        raise BackendRefused(fields.get("C", "08P01"), fields.get("M", "refused"))
    return kind, body


async def _sign_in(backend: Backend, user: str, password: str) -> None:
    scram: Scram | None = None
    while True:
        kind, body = await _receive(backend)
        if kind != b"R":
            raise BackendRefused("08P01", f"unexpected message {kind!r} during sign-in")
        (code,) = struct.unpack("!i", body[:4])
        data = body[4:]
        if code == AUTH_OK:
            return
        if code == AUTH_CLEARTEXT:
            backend.writer.write(wire.message(b"p", wire.cstring(password)))
        elif code == AUTH_MD5:
            backend.writer.write(
                wire.message(b"p", wire.cstring(md5_password(password, user, data)))
            )
        elif code == AUTH_SASL and SCRAM.encode() in data.split(b"\0"):
            scram = Scram(password)
            first = scram.client_first()
            body = wire.cstring(SCRAM) + struct.pack("!i", len(first)) + first
            backend.writer.write(wire.message(b"p", body))
        elif code == AUTH_SASL_CONTINUE and scram is not None:
            backend.writer.write(wire.message(b"p", scram.client_final(data)))
        elif code == AUTH_SASL_FINAL and scram is not None:
            scram.check_server(data)
        else:
            raise BackendRefused("28000", f"unsupported authentication request {code}")


async def _until_ready(backend: Backend) -> None:
    """ParameterStatus messages until ReadyForQuery; BackendKeyData and notices dropped."""
    while True:
        kind, body = await _receive(backend)
        if kind == b"Z":
            return
        if kind == b"S":
            name, value = body.split(b"\0")[:2]
            backend.parameters[name.decode()] = value.decode("utf-8", "replace")


async def simple_query(backend: Backend, sql: str) -> list[dict[str, str | None]]:
    """Run SQL with the simple query protocol; the rows of its results by column name."""
    backend.writer.write(wire.message(b"Q", wire.cstring(sql)))
    replies: list[tuple[bytes, bytes]] = []
    while True:
        kind, body = await _receive(backend)
        if kind == b"Z":
            return wire.data_rows(replies)
        replies.append((kind, body))


def md5_password(password: str, user: str, salt: bytes) -> str:
    """PostgreSQL's md5 answer: md5(md5(password + user) + salt), hex, prefixed."""
    inner = hashlib.md5((password + user).encode()).hexdigest()  # noqa: S324 (the protocol's)
    return "md5" + hashlib.md5(inner.encode() + salt).hexdigest()  # noqa: S324


class Scram:
    """SCRAM-SHA-256 (RFC 5802/7677) without channel binding, as libpq does without it."""

    def __init__(self, password: str) -> None:
        self.password = password
        self.nonce = base64.b64encode(secrets.token_bytes(18)).decode()
        self.client_first_bare = f"n=,r={self.nonce}"
        self.auth_message = b""
        self.salted = b""

    def client_first(self) -> bytes:
        return b"n,," + self.client_first_bare.encode()

    def client_final(self, server_first: bytes) -> bytes:
        fields = dict(part.split("=", 1) for part in server_first.decode().split(","))
        if not fields["r"].startswith(self.nonce):
            raise BackendRefused("28000", "SCRAM: the server's nonce does not extend ours")
        salt, rounds = base64.b64decode(fields["s"]), int(fields["i"])
        self.salted = hashlib.pbkdf2_hmac("sha256", self.password.encode(), salt, rounds)
        without_proof = f"c=biws,r={fields['r']}"
        self.auth_message = ",".join(
            [self.client_first_bare, server_first.decode(), without_proof]
        ).encode()
        client_key = _hmac(self.salted, b"Client Key")
        signature = _hmac(hashlib.sha256(client_key).digest(), self.auth_message)
        proof = bytes(a ^ b for a, b in zip(client_key, signature, strict=True))
        return f"{without_proof},p={base64.b64encode(proof).decode()}".encode()

    def check_server(self, server_final: bytes) -> None:
        expected = _hmac(_hmac(self.salted, b"Server Key"), self.auth_message)
        given = server_final.decode().partition("v=")[2]
        if not hmac.compare_digest(base64.b64encode(expected).decode(), given.strip()):
            raise BackendRefused("28000", "SCRAM: the server's signature is wrong")


def _hmac(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, hashlib.sha256).digest()
