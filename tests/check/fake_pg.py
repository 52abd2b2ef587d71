"""A PostgreSQL look-alike that signs any user in over TLS and then misbehaves on purpose.

It speaks just enough of the protocol for libpq: SSLRequest, the TLS handshake,
the startup message, a cleartext password, AuthenticationOk and ReadyForQuery.
After sign-in it does what `after` says:
  "hang"    never answers anything again (a server or proxy stuck after sign-in)
  "close"   closes the connection when the first query arrives
  "odd"     answers every query with one text column (not what PostgreSQL would send)
  "once"    answers the first query as PostgreSQL would, then never answers again
  "mute"    (before sign-in) never answers the startup message after the TLS handshake
`queried` is set when the first query after sign-in arrives.

PYTEST_DONT_REWRITE: no asserts here.
"""

from __future__ import annotations

import socket
import ssl
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import trustme

SSL_REQUEST, GSS_REQUEST, CANCEL_REQUEST = 80877103, 80877104, 80877102
# The check's query: version, current_user, current_database, inet_server_addr, in recovery.
FIRST_ROW = ("PostgreSQL 15.0 (fake)", "app", "app", "127.0.0.1", "f")
TEXT, BOOL = 25, 16


@dataclass
class FakeServer:
    port: int
    ca_file: Path
    queried: threading.Event = field(default_factory=threading.Event)


def _message(kind: bytes, body: bytes = b"") -> bytes:
    return kind + struct.pack("!i", len(body) + 4) + body


def _read_exact(sock: socket.socket | ssl.SSLSocket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("client went away")
        data += chunk
    return data


def _read_typed(sock: ssl.SSLSocket) -> tuple[bytes, bytes]:
    kind = _read_exact(sock, 1)
    (length,) = struct.unpack("!i", _read_exact(sock, 4))
    return kind, _read_exact(sock, length - 4)


def _row_description(types: list[int]) -> bytes:
    body = struct.pack("!h", len(types))
    for i, oid in enumerate(types):
        body += f"c{i}".encode() + b"\0" + struct.pack("!ihihih", 0, 0, oid, -1, -1, 0)
    return _message(b"T", body)


def _data_row(values: tuple[str, ...]) -> bytes:
    body = struct.pack("!h", len(values))
    for value in values:
        body += struct.pack("!i", len(value.encode())) + value.encode()
    return _message(b"D", body)


def _answer(values: tuple[str, ...], types: list[int]) -> bytes:
    done = _message(b"C", b"SELECT 1\0") + _message(b"Z", b"I")
    return _row_description(types) + _data_row(values) + done


def _sign_in(tls: ssl.SSLSocket) -> None:
    (length,) = struct.unpack("!i", _read_exact(tls, 4))
    _read_exact(tls, length - 4)  # the startup message: protocol, user, database...
    tls.sendall(_message(b"R", struct.pack("!i", 3)))  # AuthenticationCleartextPassword
    _read_typed(tls)  # the password
    status = b"".join(
        _message(b"S", f"{k}\0{v}\0".encode())
        for k, v in {
            "client_encoding": "UTF8",
            "server_encoding": "UTF8",
            "server_version": "15.0",
            "standard_conforming_strings": "on",
            "integer_datetimes": "on",
            "DateStyle": "ISO, MDY",
        }.items()
    )
    key = _message(b"K", struct.pack("!ii", 4242, 1))
    tls.sendall(_message(b"R", struct.pack("!i", 0)) + status + key + _message(b"Z", b"I"))


def _after_sign_in(
    tls: ssl.SSLSocket, server: FakeServer, after: str, stop: threading.Event
) -> None:
    answered = 0
    while not stop.is_set():
        try:
            kind, _ = _read_typed(tls)
        except TimeoutError:
            continue
        if kind == b"X":  # Terminate
            return
        server.queried.set()
        if after == "close":
            return
        if after == "odd" or (after == "once" and answered == 0):
            odd = after == "odd"
            tls.sendall(
                _answer(("hello",), [TEXT]) if odd else _answer(FIRST_ROW, [TEXT] * 4 + [BOOL])
            )
            answered += 1
        # "hang", and "once" after the first answer: read on, answer nothing.


def _serve(
    conn: socket.socket,
    context: ssl.SSLContext,
    server: FakeServer,
    after: str,
    stop: threading.Event,
) -> None:
    with conn:
        conn.settimeout(0.2)
        while True:  # GSSENCRequest gets N, then the client sends its SSLRequest
            (_length, code) = struct.unpack("!ii", _read_exact(conn, 8))
            if code == GSS_REQUEST:
                conn.sendall(b"N")
                continue
            if code != SSL_REQUEST:  # a CancelRequest, or a plaintext client: hang up
                return
            break
        conn.sendall(b"S")
        conn.settimeout(5)
        with context.wrap_socket(conn, server_side=True) as tls:
            if after == "mute":
                stop.wait()
                return
            _sign_in(tls)
            tls.settimeout(0.2)
            _after_sign_in(tls, server, after, stop)


@contextmanager
def fake_server(
    tmp: Path, after: str, names: tuple[str, ...] = ("localhost",)
) -> Iterator[FakeServer]:
    """A fake server on 127.0.0.1 with a certificate for NAMES from a new trustme CA."""
    ca = trustme.CA()
    server_cert = ca.issue_cert(*names)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_cert.configure_cert(context)
    ca_file = tmp / "fake-ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    server = FakeServer(int(listener.getsockname()[1]), ca_file)
    stop = threading.Event()
    threads: list[threading.Thread] = []

    def serve_one(conn: socket.socket) -> None:
        with suppress(OSError, ConnectionError, struct.error):
            _serve(conn, context, server, after, stop)

    def accept() -> None:
        while not stop.is_set():
            try:
                conn = listener.accept()[0]
            except TimeoutError:
                continue
            thread = threading.Thread(target=serve_one, args=(conn,), daemon=True)
            threads.append(thread)
            thread.start()

    acceptor = threading.Thread(target=accept, name="fake-pg", daemon=True)
    acceptor.start()
    try:
        yield server
    finally:
        stop.set()
        acceptor.join()
        listener.close()
        for thread in threads:
            thread.join(timeout=5)
