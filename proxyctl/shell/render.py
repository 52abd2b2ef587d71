"""What a statement's answer looks like: aligned tables (or one record per block with
\\x), CSV and TSV, JSON values, and the server's error with a marker under the
statement (pure). Every value from the server is data: control characters are shown
as escapes before they reach a terminal."""

from __future__ import annotations

import base64
import csv
import io
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from proxyctl.db.session import Answer, StatementError
from proxyctl.output import clean

NUMERIC_TYPES = {"int2", "int4", "int8", "numeric", "float4", "float8", "oid", "money"}


def cell(value: Any) -> str:
    """A value as psql shows it: NULL empty, booleans t/f, bytes as \\x hex."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, bytes | bytearray | memoryview):
        return "\\x" + bytes(value).hex()
    if isinstance(value, dict | list):
        import json

        return json.dumps(value, ensure_ascii=False)
    return clean(str(value))


def rows_line(count: int) -> str:
    return f"({count} row{'' if count == 1 else 's'})"


def table(answer: Answer) -> str:
    """psql's aligned format: a header, a rule, right-aligned numbers, the row count."""
    rows = answer.rows or []
    heads = [clean(c) for c in answer.columns]
    texts = [[cell(v) for v in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in texts)]) for i, h in enumerate(heads)]
    numeric = [t in NUMERIC_TYPES for t in answer.types]
    lines = [" " + " | ".join(h.center(w) for h, w in zip(heads, widths, strict=True)).rstrip()]
    lines.append("-" + "-+-".join("-" * w for w in widths) + "-")
    for r in texts:
        parts = [
            v.rjust(w) if num else v.ljust(w) for v, w, num in zip(r, widths, numeric, strict=True)
        ]
        lines.append((" " + " | ".join(parts)).rstrip())
    lines.append(rows_line(len(rows)))
    return "\n".join(lines) + "\n"


def expanded(answer: Answer) -> str:
    """One block per row (psql's \\x): `-[ RECORD n ]` then name | value lines."""
    heads = [clean(c) for c in answer.columns]
    width = max((len(h) for h in heads), default=0)
    out = []
    for number, row in enumerate(answer.rows or [], 1):
        out.append(f"-[ RECORD {number} ]" + "-" * max(0, width - 8))
        out.extend(f"{h.ljust(width)} | {cell(v)}" for h, v in zip(heads, row, strict=True))
    if not out:
        out.append(rows_line(0))
    return "\n".join(out) + "\n"


def delimited(answer: Answer, delimiter: str) -> str:
    """CSV (RFC 4180 quoting) or TSV: a header line, then the rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(answer.columns)
    for row in answer.rows or []:
        writer.writerow([cell(v) for v in row])
    return clean(buffer.getvalue())


def json_value(value: Any) -> Any:
    """A value in JSON's own types: numbers, booleans, null, strings; bytes as base64,
    times as ISO-8601, intervals as ISO-8601 durations; numerics that a double would
    round are strings, so that no digit is lost."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else str(value)
    if isinstance(value, Decimal):
        if not value.is_finite() or Decimal(repr(float(value))) != value:
            return str(value)
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return duration(value)
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    return str(value)


def duration(value: timedelta) -> str:
    """An interval as an ISO-8601 duration: P1DT3600.5S."""
    sign = "-" if value < timedelta(0) else ""
    value = abs(value)
    seconds = value.seconds + value.microseconds / 1e6
    text = f"{seconds:.6f}".rstrip("0").rstrip(".")
    return f"{sign}P{value.days}DT{text}S"


def error_lines(error: StatementError, statement: str) -> list[str]:
    """ERROR: message (SQLSTATE), the statement's line with a marker under the error's
    position, then DETAIL and HINT: as psql shows them."""
    severity = error.severity or "ERROR"
    code = f" (SQLSTATE {error.sqlstate})" if error.sqlstate else ""
    lines = [f"{severity}:  {clean(error.message)}{code}"]
    if error.position is not None:
        lines.extend(marker(statement, error.position))
    if error.detail:
        lines.append(f"DETAIL:  {clean(error.detail)}")
    if error.hint:
        lines.append(f"HINT:  {clean(error.hint)}")
    return lines


def marker(statement: str, position: int) -> list[str]:
    """LINE n: text, and a caret under the character at POSITION (1-based, as the server
    counts characters of the statement it was sent)."""
    before = statement[: max(0, position - 1)]
    number = before.count("\n") + 1
    start = before.rfind("\n") + 1
    end = statement.find("\n", start)
    line = statement[start : end if end != -1 else len(statement)]
    prefix = f"LINE {number}: "
    column = len(clean(before[start:]))
    return [prefix + clean(line.expandtabs(1)), " " * (len(prefix) + column) + "^"]
