"""PostgreSQL's frontend/backend protocol, version 3: framing and the few messages the
lab's proxy front reads and writes (https://www.postgresql.org/docs/current/protocol-message-formats.html).

A startup packet has no type byte (int32 length, then its body); every later message is
a type byte, an int32 length that counts itself, and the body.
"""

from __future__ import annotations

import asyncio
import struct

SSL_REQUEST = 80877103
GSSENC_REQUEST = 80877104
CANCEL_REQUEST = 80877102
PROTOCOL_3 = 3 << 16
# PostgreSQL refuses startup packets over 10000 bytes; anything bigger is not a client.
MAX_STARTUP = 10_000


class ProtocolViolation(Exception):
    """The peer sent something that is not the protocol."""


async def read_startup(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """A startup-phase packet: (its code, the bytes after the code)."""
    head = await reader.readexactly(4)
    (length,) = struct.unpack("!i", head)
    if not 8 <= length <= MAX_STARTUP:
        raise ProtocolViolation(f"startup packet of {length} bytes")
    body = await reader.readexactly(length - 4)
    (code,) = struct.unpack("!i", body[:4])
    return code, body[4:]


async def read_message(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    """One typed message: (type byte, body)."""
    head = await reader.readexactly(5)
    kind, length = head[:1], struct.unpack("!i", head[1:])[0]
    if length < 4:
        raise ProtocolViolation(f"message {kind!r} with length {length}")
    return kind, await reader.readexactly(length - 4)


def message(kind: bytes, body: bytes = b"") -> bytes:
    return kind + struct.pack("!i", len(body) + 4) + body


def cstring(text: str) -> bytes:
    return text.encode() + b"\0"


def parse_startup_parameters(body: bytes) -> dict[str, str]:
    """The name/value pairs of a StartupMessage body (after the protocol code)."""
    parts = body.split(b"\0")
    if len(parts) < 2 or parts[-1] or parts[-2]:
        raise ProtocolViolation("startup parameters not terminated")
    fields = [p.decode("utf-8", "replace") for p in parts[:-2]]
    if len(fields) % 2:
        raise ProtocolViolation("a startup parameter without a value")
    return dict(zip(fields[::2], fields[1::2], strict=True))


def startup_message(parameters: dict[str, str]) -> bytes:
    body = struct.pack("!i", PROTOCOL_3)
    body += b"".join(cstring(k) + cstring(v) for k, v in parameters.items()) + b"\0"
    return struct.pack("!i", len(body) + 4) + body


def ssl_request() -> bytes:
    return struct.pack("!ii", 8, SSL_REQUEST)


def error_response(severity: str, sqlstate: str, text: str) -> bytes:
    """An ErrorResponse (FATAL or ERROR) with PostgreSQL's fields S, V, C and M."""
    fields = b"S" + cstring(severity) + b"V" + cstring(severity)
    fields += b"C" + cstring(sqlstate) + b"M" + cstring(text)
    return message(b"E", fields + b"\0")


def error_fields(body: bytes) -> dict[str, str]:
    """The fields of an ErrorResponse or NoticeResponse body, by their one-letter code."""
    fields = {}
    for part in body.split(b"\0"):
        if part:
            fields[chr(part[0])] = part[1:].decode("utf-8", "replace")
    return fields


def authentication(code: int, data: bytes = b"") -> bytes:
    return message(b"R", struct.pack("!i", code) + data)


def parameter_status(name: str, value: str) -> bytes:
    return message(b"S", cstring(name) + cstring(value))


def ready_for_query(status: bytes = b"I") -> bytes:
    return message(b"Z", status)


def password_text(body: bytes) -> str:
    """The password of a PasswordMessage body (a C string)."""
    return body.split(b"\0", 1)[0].decode("utf-8", "replace")


def query_text(kind: bytes, body: bytes) -> str | None:
    """The SQL of a simple Query ('Q') or a Parse ('P'); None for any other message."""
    if kind == b"Q":
        return body.split(b"\0", 1)[0].decode("utf-8", "replace")
    if kind == b"P":
        parts = body.split(b"\0", 2)  # statement name, query, parameter types
        return parts[1].decode("utf-8", "replace") if len(parts) > 2 else None
    return None


def data_rows(messages: list[tuple[bytes, bytes]]) -> list[dict[str, str | None]]:
    """The rows of a simple query's reply (RowDescription, DataRow...), by column name."""
    names: list[str] = []
    rows = []
    for kind, body in messages:
        if kind == b"T":
            names = _column_names(body)
        elif kind == b"D":
            rows.append(dict(zip(names, _row_values(body), strict=False)))
    return rows


def _column_names(body: bytes) -> list[str]:
    (count,) = struct.unpack("!h", body[:2])
    names, at = [], 2
    for _ in range(count):
        end = body.index(b"\0", at)
        names.append(body[at:end].decode())
        at = end + 1 + 18  # table oid, column, type oid, size, modifier, format
    return names


def _row_values(body: bytes) -> list[str | None]:
    (count,) = struct.unpack("!h", body[:2])
    values: list[str | None] = []
    at = 2
    for _ in range(count):
        (size,) = struct.unpack("!i", body[at : at + 4])
        at += 4
        if size < 0:
            values.append(None)
            continue
        values.append(body[at : at + size].decode("utf-8", "replace"))
        at += size
    return values
