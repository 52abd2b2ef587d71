"""What one check saw: a Finding (ok, warn, fail or skip), with a stable code and a hint.

Neutral data: `db/` reports its connection phases with it, `check/` its control-plane
checks, and both are rendered by the check's report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"


@dataclass
class Finding:
    """What one check saw. `code` is stable (runbooks may match on it)."""

    code: str
    status: Status
    phase: str
    message: str
    hint: str | None = None
    duration_ms: float | None = None
    details: dict[str, Any] = field(default_factory=dict)


def ok(code: str, phase: str, message: str, **details: Any) -> Finding:
    return Finding(code, Status.OK, phase, message, details=details)


def warn(code: str, phase: str, message: str, hint: str, **details: Any) -> Finding:
    return Finding(code, Status.WARN, phase, message, hint, details=details)


def fail(code: str, phase: str, message: str, hint: str, **details: Any) -> Finding:
    return Finding(code, Status.FAIL, phase, message, hint, details=details)


def skip(code: str, phase: str, message: str, **details: Any) -> Finding:
    return Finding(code, Status.SKIP, phase, message, details=details)
