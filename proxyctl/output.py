"""One way to show a result: JSON on stdout, or text on stdout; errors on stderr.

A result is a dataclass with a `KIND` name and a `text()` rendering; JSON mode
renders the same object, with stable keys, ISO-8601 UTC times and durations in
seconds.

Text that reaches a terminal passes through `clean`: server messages, certificate
names and AWS strings are data, and an escape sequence in one must not move the
cursor, repaint a line or retitle the window. JSON stays exact (json.dumps already
escapes control characters).
"""

from __future__ import annotations

import dataclasses
import sys
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Any, ClassVar, Protocol

from proxyctl.errors import ProxyctlError

SCHEMA_VERSION = 1


class Result(Protocol):
    KIND: ClassVar[str]

    def text(self) -> str: ...


# C0 controls but newline and tab, DEL, C1 controls, and the bidirectional overrides that
# can make a terminal show text in another order than it was sent.
_UNSAFE = [c for c in range(0x20) if c not in (0x09, 0x0A)] + [0x7F, *range(0x80, 0xA0)]
_BIDI = [0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
_VISIBLE = {c: f"\\x{c:02x}" for c in _UNSAFE} | {c: f"\\u{c:04x}" for c in _BIDI}


def clean(text: str) -> str:
    """TEXT safe for a terminal: each control character shown as an escape (ESC as \\x1b)."""
    return text.translate(_VISIBLE)


def for_rich(text: str) -> str:
    """TEXT safe to hand to rich: cleaned, and its [brackets] not read as markup."""
    from rich.markup import escape

    return escape(clean(text))


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: jsonable(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.metadata.get("json", True)
        }
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    return value


def document(kind: str, body: dict[str, Any]) -> str:
    import json

    return json.dumps({"kind": kind, "schema_version": SCHEMA_VERSION, **body}, indent=2)


def emit(result: Result, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(document(result.KIND, jsonable(result)) + "\n")
    else:
        sys.stdout.write(clean(result.text()))
    sys.stdout.flush()


def report_error(error: ProxyctlError, as_json: bool) -> None:
    """The message and hint on stderr; in JSON mode also an error document on stdout."""
    lines = [f"error: {error.message}"]
    if error.hint:
        lines.append(f"hint: {error.hint}")
    sys.stderr.write(clean("\n".join(lines)) + "\n")
    if as_json:
        sys.stdout.write(document("error", {"error": error.to_dict()}) + "\n")


def warn(message: str) -> None:
    """Something the user should know is not as it should be."""
    sys.stderr.write(f"warning: {clean(message)}\n")


def note(text: str) -> None:
    """What was done or is about to be done (a file written, the plan): on stderr, so
    stdout keeps only the result."""
    sys.stderr.write(clean(text if text.endswith("\n") else text + "\n"))
