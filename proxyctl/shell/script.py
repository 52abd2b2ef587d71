"""Statements from -c, -f FILE or standard input, run in order until the first error.

Text output: each result as a table (or CSV/TSV rows, with command tags on stderr so
that stdout stays one CSV stream); a failed statement shows the server's error with
its marker on stderr and ends the run with exit 5. With `--output json`, one document
holds every statement that ran, and the error that stopped the run.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any

from proxyctl import sqltext
from proxyctl.db.session import Answer
from proxyctl.errors import ConnectionProblem, ExitCode, UsageError
from proxyctl.output import clean, document
from proxyctl.shell import render
from proxyctl.shell.core import Shell

KIND = "connect"
FORMATS = ("table", "csv", "tsv")


class StatementFailed(ConnectionProblem):
    """A statement failed: its error is on stderr (and in the JSON document)."""


@dataclass
class Ran:
    """One statement as the JSON document shows it."""

    sql: str
    columns: list[dict[str, str]] = field(default_factory=list)
    rows: list[list[Any]] | None = None
    rowcount: int | None = None
    tag: str = ""
    seconds: float = 0.0
    error: dict[str, Any] | None = None


def statements(commands: list[str], file_text: str | None) -> list[str]:
    """Every statement, in order: each -c (which may hold several), then the file's."""
    found: list[str] = []
    for text in [*commands, *([file_text] if file_text is not None else [])]:
        found.extend(s.strip() for _, s in sqltext.statements(text) if _has_sql(s))
    return found


def _has_sql(text: str) -> bool:
    return any(t.kind != "comment" and t.text != ";" for t in sqltext.tokens(text))


def read_file(path: str) -> str:
    """FILE's text, or standard input's for `-`."""
    if path == "-":
        return sys.stdin.read()
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"-f: cannot read {path}: {exc}", field="--file") from None


def _ran(sql: str, answer: Answer) -> Ran:
    ran = Ran(sql=sql, tag=answer.tag, seconds=round(answer.seconds, 6))
    if answer.rows is not None:
        ran.columns = [
            {"name": n, "type": t} for n, t in zip(answer.columns, answer.types, strict=True)
        ]
        ran.rows = [[render.json_value(v) for v in row] for row in answer.rows]
    ran.rowcount = answer.rowcount if answer.rowcount >= 0 else None
    if answer.error is not None:
        ran.error = {
            "message": answer.error.message,
            "sqlstate": answer.error.sqlstate,
            "detail": answer.error.detail,
            "hint": answer.error.hint,
            "position": answer.error.position,
            "connection_lost": answer.lost,
        }
    return ran


def show(answer: Answer, fmt: str) -> None:
    """One result on stdout in FMT; a command tag on stdout (tables) or stderr."""
    if answer.rows is not None:
        if fmt == "table":
            sys.stdout.write(render.table(answer) + "\n")
        else:
            sys.stdout.write(render.delimited(answer, "," if fmt == "csv" else "\t"))
    elif answer.tag:
        (sys.stdout if fmt == "table" else sys.stderr).write(clean(answer.tag) + "\n")
    sys.stdout.flush()


def run(shell: Shell, sqls: list[str], fmt: str) -> None:
    """Run SQLS in order; stop at the first error (exit 5)."""
    as_json = shell.app.json
    done: list[Ran] = []
    failure: BaseException | None = None
    try:
        for number, sql in enumerate(sqls, 1):
            if not shell.allowed(sql):
                raise UsageError(
                    f"statement {number} was not confirmed: it and those after it were not sent.",
                    field="--no-confirm",
                )
            answer = shell.run(sql)
            done.append(_ran(sql, answer))
            if answer.closed_by_user:  # the second Ctrl-C: exit 130, the rest not run
                raise KeyboardInterrupt
            if answer.error is not None:
                for line in render.error_lines(answer.error, sql):
                    sys.stderr.write(line + "\n")
                left = len(sqls) - number
                rest = f"; the {left} after it were not run" if left else ""
                raise StatementFailed(f"statement {number} of {len(sqls)} failed{rest}.")
            if not as_json:
                show(answer, fmt)
    except BaseException as exc:
        failure = exc
        raise
    finally:
        if as_json:
            _document(shell, done, failure)


def _document(shell: Shell, done: list[Ran], failure: BaseException | None) -> None:
    from proxyctl.errors import ProxyctlError
    from proxyctl.output import jsonable

    error = None
    if isinstance(failure, ProxyctlError):
        failure.result_written = True
        error = failure.to_dict()
    elif failure is not None:
        error = {
            "type": "interrupted",
            "exit_code": int(ExitCode.INTERRUPTED),
            "message": str(failure),
        }
    t = shell.target
    body = {
        "endpoint": {"host": t.host, "port": t.port, "via": list(t.via) if t.via else None},
        "user": t.user,
        "database": t.database,
        "statements": jsonable(done),
        "error": error,
    }
    sys.stdout.write(document(KIND, body) + "\n")
    sys.stdout.flush()
