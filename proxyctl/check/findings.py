"""A check's report: its findings (proxyctl.model.findings), the checklist and the verdict.

Pure data and rendering; the connection phases and control-plane checks produce the
findings. Finding, Status and their constructors are also importable from here, where
the control-plane checks take them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from proxyctl.model.findings import Finding, Status, fail, ok, skip, warn

__all__ = [
    "ASCII_MARKS",
    "MARKS",
    "Finding",
    "Report",
    "Status",
    "checklist_lines",
    "fail",
    "marks_for",
    "ok",
    "skip",
    "warn",
]


MARKS = {Status.OK: "✓", Status.WARN: "!", Status.FAIL: "✗", Status.SKIP: "-"}
# For a terminal or file whose encoding has no check marks (LANG=C, latin-1...).
ASCII_MARKS = {Status.OK: "+", Status.WARN: "!", Status.FAIL: "x", Status.SKIP: "-"}


def marks_for(encoding: str | None) -> dict[Status, str]:
    """The check marks if ENCODING can write them, else their ASCII stand-ins."""
    try:
        "".join(MARKS.values()).encode(encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        return ASCII_MARKS
    return MARKS


@dataclass
class Report:
    """All findings of one `proxyctl check`, and the verdict."""

    KIND: ClassVar[str] = "check"
    target: str
    findings: list[Finding]
    interrupted: bool = False  # Ctrl-C: the findings are those of the phases that ran

    @property
    def failed(self) -> bool:
        return any(f.status is Status.FAIL for f in self.findings)

    @property
    def verdict(self) -> str:
        fails = [f for f in self.findings if f.status is Status.FAIL]
        warns = [f for f in self.findings if f.status is Status.WARN]
        if self.interrupted:
            so_far = f"; FAIL so far: {fails[0].phase}: {fails[0].message}" if fails else ""
            return f"INTERRUPTED (Ctrl-C) before the check ended{so_far}"
        if fails:
            return f"FAIL: {fails[0].phase}: {fails[0].message}" + (
                f" (and {len(fails) - 1} more)" if len(fails) > 1 else ""
            )
        if warns:
            return f"OK with {len(warns)} warning{'s' if len(warns) > 1 else ''}: {self.target}"
        return f"OK: {self.target} works end to end"

    def text(self, marks: dict[Status, str] = MARKS) -> str:
        lines = [line for f in self.findings for line in checklist_lines(f, marks)]
        lines.append(self.verdict)
        return "\n".join(lines) + "\n"


def checklist_lines(f: Finding, marks: dict[Status, str] = MARKS) -> list[str]:
    """One finding as the checklist shows it: mark, phase, duration, message, hint."""
    ms = f"{f.duration_ms:7.1f} ms" if f.duration_ms is not None else " " * 10
    lines = [f"{marks[f.status]} {f.phase:<10} {ms}  {f.message}"]
    if f.hint and f.status in (Status.WARN, Status.FAIL):
        lines.append(f"  {' ' * 21}hint: {f.hint}")
    return lines
