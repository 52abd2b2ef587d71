"""The result of `proxyctl pinning`: findings grouped by rule, as text and as JSON (schema 1).

Examples, digests, log lines and file names come from outside: the text is cleaned for the
terminal by output.emit, and shown one line each here.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from proxyctl.observe.pinning_hints import DriverHint, InitQuery

WIDTH = 100


@dataclass(frozen=True)
class Example:
    where: str  # file:line, "pg_stat_statements", or the log line's time
    text: str  # the statement or digest, on one line
    count: int = 1  # calls (pg_stat_statements), else 1
    reason: str | None = None  # the proxy's reason (log lines)


@dataclass
class Group:
    """The statements that pin by one rule."""

    rule: str
    title: str
    why: str
    fix: str
    aws_wording: str
    checked: str
    count: int = 0  # occurrences (weighted by calls for pg_stat_statements)
    places: int = 0  # statements, digests or log lines
    examples: list[Example] = field(default_factory=list)


@dataclass
class ReasonGroup:
    """Log lines whose digest names no rule (or that have none), by the proxy's reason."""

    reason: str
    count: int = 0
    examples: list[Example] = field(default_factory=list)


@dataclass
class PinningReport:
    KIND: ClassVar[str] = "pinning"
    source: str  # sql, pg_stat_statements or logs
    inputs: list[str]
    schema: int = 1
    statements: int = 0  # read (log lines: pinned sessions logged)
    pinned: int = 0
    groups: list[Group] = field(default_factory=list)
    reasons: list[ReasonGroup] = field(default_factory=list)
    unparsed: int = 0  # log lines not understood, kept
    unparsed_lines: list[str] = field(default_factory=list)
    hidden: int = 0  # pg_stat_statements entries this user may not read
    since: str | None = None  # logs: the window read, ISO-8601 UTC
    until: str | None = None
    driver_hints: list[DriverHint] = field(default_factory=list)
    init_query: InitQuery | None = None
    notes: list[str] = field(default_factory=list)
    fail_on: str | None = None
    passed: bool | None = None  # with --fail-on: whether the gate passed

    @property
    def any_pin(self) -> bool:
        return self.pinned > 0 or self.unparsed > 0

    def text(self) -> str:
        parts = [self._headline()]
        parts += [_group_text(g) for g in self.groups]
        parts += [_reason_text(r) for r in self.reasons]
        if self.unparsed:
            lines = [f"Log lines not understood: {self.unparsed} (kept as logged, first shown)"]
            parts.append("\n".join(lines + [f"  {_cut(line)}" for line in self.unparsed_lines]))
        if self.hidden:
            parts.append(
                _wrap(
                    f"{self.hidden} statement{'s' if self.hidden != 1 else ''} of other users "
                    "hidden from this user: GRANT pg_read_all_stats TO it to see them.",
                    "",
                )
            )
        parts += [_hint_text(h) for h in self.driver_hints]
        if self.init_query is not None:
            parts.append(_init_text(self.init_query))
        if self.any_pin:
            parts.append("Notes\n" + "\n".join(_wrap(n, "  - ", "    ") for n in self.notes))
        return "\n\n".join(p for p in parts if p) + "\n"

    def _headline(self) -> str:
        if self.source == "logs":
            said = (
                f"Pinned sessions in {', '.join(self.inputs)} from {self.since} to "
                f"{self.until}: {self.statements} logged."
            )
        else:
            where = ", ".join(self.inputs[:3]) + (" ..." if len(self.inputs) > 3 else "")
            what = "statement calls" if self.source == "pg_stat_statements" else "statements"
            what = what if self.statements != 1 else what[:-1]
            verb = "pins" if self.pinned == 1 else "pin"
            said = f"Pinning in {where}: {self.statements} {what}, {self.pinned} {verb} a session."
        if not self.any_pin:
            said += " Nothing pins."
        if self.passed is not None:
            said += f" Gate --fail-on {self.fail_on}: {'passed' if self.passed else 'FAILED'}."
        return said  # one line, however long: scripts may grep it


def _group_text(group: Group) -> str:
    places = f" in {group.places} places" if group.places != group.count else ""
    lines = [f"{group.title} [{group.rule}]: {group.count}{places}"]
    said = None
    for example in group.examples:  # a log line's reason, shown where it changes
        lines.append(_example(example, reason=example.reason != said))
        said = example.reason
    lines.append(_wrap(f"Why: {group.why}", "  ", "    "))
    lines.append(_wrap(f"Fix: {group.fix}", "  ", "    "))
    return "\n".join(lines)


def _reason_text(group: ReasonGroup) -> str:
    lines = [f"Proxy's reason: {_cut(group.reason)}: {group.count}"]
    return "\n".join(lines + [_example(e, reason=False) for e in group.examples])


def _example(example: Example, reason: bool = True) -> str:
    calls = f" ({example.count} calls)" if example.count != 1 else ""
    said = f"  {example.where}{calls}  {_cut(example.text)}"
    if reason and example.reason:
        said += f"\n      reason: {_cut(example.reason, 90)}"
    return said


def _hint_text(hint: DriverHint) -> str:
    lines = [f"Looks like {hint.driver} [{hint.id}]: {hint.count}"]
    lines.append(_wrap(hint.looks_like, "  ", "  "))
    lines += [f"  e.g. {_cut(example)}" for example in hint.examples]
    lines.append(_wrap(f"Fix: {hint.fix}", "  ", "    "))
    return "\n".join(lines)


def _init_text(init: InitQuery) -> str:
    lines = []
    if init.sql:
        lines.append("Move these SETs to the proxy's initialization query (run on each new")
        lines.append("database connection; a rerun of init with the same answers changes only it):")
        lines += [f"  {init.sql}", f"  {init.command}"]
    if init.startup:
        lines.append("Send these at connect instead (start-up parameters the proxy tracks):")
        lines += [f"  {_cut(s)}" for s in init.startup]
    if init.unknown:
        lines.append(
            _wrap(
                "SET with a value the digest hides ($n): "
                + ", ".join(init.unknown)
                + ": find the value in the application and put SET name = value in the "
                "initialization query.",
                "",
                "  ",
            )
        )
    if init.conflicts:
        lines.append(
            "SET to different values in different places (an init query holds one): "
            + ", ".join(init.conflicts)
        )
    return "\n".join(lines)


def _cut(text: str, width: int = 120) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 3] + "..."


def _wrap(text: str, first: str, rest: str | None = None) -> str:
    return textwrap.fill(
        text,
        WIDTH,
        initial_indent=first,
        subsequent_indent=first if rest is None else rest,
        break_long_words=False,
        break_on_hyphens=False,
    )
