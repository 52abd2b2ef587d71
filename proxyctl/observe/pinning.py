"""`proxyctl pinning`: which statements pin sessions to a database connection, grouped by
rule, with the fix, driver hints and the initialization query to move SETs to (pure).

Every input becomes Sources (SQL with where it came from, and how often it ran); the
classifier (proxyctl.pinrules) finds the pins; `analyse` groups them into a Report. The
flows that read files, pg_stat_statements and the proxy's log are in pinning_sources.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from proxyctl.observe.pinning_hints import NOTES, driver_hints, init_query
from proxyctl.observe.pinning_report import Example, Group, PinningReport, ReasonGroup
from proxyctl.pinrules import BY_ID, pins
from proxyctl.sqltext import compact, statements

EXAMPLES = 5  # examples kept per group


@dataclass(frozen=True)
class Source:
    """SQL to classify: a file's text, a pg_stat_statements entry, or a log line's digest."""

    text: str
    where: str  # a file name, "pg_stat_statements", or a log line's time
    numbered: bool = False  # examples name TEXT's lines (where:line)
    calls: int = 1  # how often it ran (pg_stat_statements), else 1
    reason: str | None = None  # the proxy's reason (a log line)


@dataclass
class Tally:
    """What analyse() gathers before it becomes a Report."""

    groups: dict[str, Group] = field(default_factory=dict)
    reasons: dict[str, ReasonGroup] = field(default_factory=dict)
    seen: list[tuple[str, int]] = field(default_factory=list)  # statements, for driver hints
    sets: list[str] = field(default_factory=list)
    statements: int = 0
    pinned: int = 0


def analyse(sources: Iterable[Source], report: PinningReport) -> PinningReport:
    """Fill REPORT (its source and inputs set) from SOURCES."""
    tally = Tally()
    for source in sources:
        _classify(source, tally)
    report.statements, report.pinned = tally.statements, tally.pinned
    report.groups = sorted(tally.groups.values(), key=lambda g: (-g.count, g.rule))
    report.reasons = sorted(tally.reasons.values(), key=lambda g: (-g.count, g.reason))
    reasons = [(r.reason, r.count) for r in tally.reasons.values()]
    reasons += [(ex.reason, ex.count) for g in report.groups for ex in g.examples if ex.reason]
    report.driver_hints = driver_hints(tally.seen, reasons)
    report.init_query = init_query(tally.sets)
    report.notes = list(NOTES)
    return report


def _classify(source: Source, tally: Tally) -> None:
    split = statements(source.text)
    starts = [offset for offset, _ in split]
    lines = _line_starts(source.text) if source.numbered else []
    tally.statements += len(split) * source.calls if source.reason is None else source.calls
    hit: set[int] = set()
    for pin in pins(source.text):
        index = max(0, bisect.bisect_right(starts, pin.offset) - 1)
        statement = split[index][1] if split else source.text
        where = source.where
        if source.numbered:
            where = f"{where}:{bisect.bisect_right(lines, pin.offset)}"
        _add(tally, pin.rule.id, Example(where, _one_line(statement), source.calls, source.reason))
        if pin.rule.id == "set":
            tally.sets.append(statement)
        if index not in hit:
            hit.add(index)
            tally.seen.append((statement, source.calls))
    if source.reason is not None and not hit:
        _add_reason(tally, source)
    elif source.reason is None:
        tally.seen.extend((text, source.calls) for i, (_, text) in enumerate(split) if i not in hit)
    tally.pinned += len(hit) * source.calls if source.reason is None else source.calls


def _add(tally: Tally, rule_id: str, example: Example) -> None:
    rule = BY_ID[rule_id]
    group = tally.groups.setdefault(
        rule_id,
        Group(rule_id, rule.title, rule.why, rule.fix, rule.aws_wording, rule.checked),
    )
    group.count += example.count
    group.places += 1
    if len(group.examples) < EXAMPLES:
        group.examples.append(example)


def _add_reason(tally: Tally, source: Source) -> None:
    """A log line whose digest shows no rule (or that has none): grouped by its reason."""
    reason = str(source.reason)
    group = tally.reasons.setdefault(reason, ReasonGroup(reason))
    group.count += source.calls
    if len(group.examples) < EXAMPLES:
        digest = _one_line(source.text) if source.text else ""
        group.examples.append(Example(source.where, digest, source.calls, reason))


def _line_starts(text: str) -> list[int]:
    """Where each line starts: bisect_right(starts, offset) is the line (from 1) of OFFSET."""
    return [0, *(m.end() for m in re.finditer("\n", text))]


def _one_line(statement: str, width: int = 120) -> str:
    flat = " ".join(compact(statement).split())
    return flat if len(flat) <= width else flat[: width - 3] + "..."
