"""One way to show a result: JSON on stdout, or text on stdout; errors on stderr.

A result is a dataclass with a `KIND` name and a `text()` rendering; JSON mode
renders the same object, with stable keys, ISO-8601 UTC times and durations in
seconds.
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
        sys.stdout.write(result.text())
    sys.stdout.flush()


def report_error(error: ProxyctlError, as_json: bool) -> None:
    """The message and hint on stderr; in JSON mode also an error document on stdout."""
    lines = [f"error: {error.message}"]
    if error.hint:
        lines.append(f"hint: {error.hint}")
    sys.stderr.write("\n".join(lines) + "\n")
    if as_json:
        sys.stdout.write(document("error", {"error": error.to_dict()}) + "\n")


def warn(message: str) -> None:
    sys.stderr.write(f"warning: {message}\n")
