"""Where `proxyctl pinning` reads SQL: files and directories (or stdin), pg_stat_statements
over the connection options, or the proxy's log; then the report and the gate."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from proxyctl.errors import CheckFailed, UsageError
from proxyctl.observe.pinning import Source, analyse
from proxyctl.observe.pinning_report import PinningReport
from proxyctl.output import iso

if TYPE_CHECKING:
    from proxyctl.app import App
    from proxyctl.reach import ConnectionOptions

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)\s*$", re.IGNORECASE)
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}
UNPARSED_SHOWN = 5
MAX_SINCE = timedelta(days=30)
_WHAT = {"sql": "statements", "pg_stat_statements": "statement calls", "logs": "log lines"}


@dataclass
class Request:
    """What to read: PATHS, or pg_stat_statements (CONNECTION), or a proxy's log (PROXY)."""

    paths: list[str]
    connection: ConnectionOptions | None = None
    proxy: str | None = None
    since: timedelta = timedelta(hours=1)
    timeout: float = 10.0
    fail_on: str | None = None


def parse_since(text: str, field: str = "--since") -> timedelta:
    """A duration such as 90s, 30m, 2h or 1d."""
    found = _DURATION.match(text)
    if found is None:
        raise UsageError(
            f"{field}: {text!r} is not a duration.",
            hint="Give a number and a unit: 90s, 30m, 2h or 1d.",
            field=field,
        )
    made = timedelta(seconds=float(found.group(1)) * _UNIT[found.group(2).lower()])
    if not timedelta(0) < made <= MAX_SINCE:
        raise UsageError(f"{field}: {text} is not between 1s and 30d.", field=field)
    return made


def request_from(
    paths: list[str],
    from_db: bool,
    from_logs: str | None,
    since: str | None,
    fail_on: str | None,
    connection: ConnectionOptions,
) -> Request:
    """The one input the flags name, checked before anything is read."""
    from proxyctl import validate

    if from_logs is None and not from_db and not paths and connection.proxy is not None:
        from_logs, connection.proxy = connection.proxy, None  # --proxy NAME alone: its log
    given = [flag for flag, on in (("PATH", paths), ("--from-db", from_db)) if on]
    given += ["--from-logs"] if from_logs is not None else []
    if len(given) != 1:
        raise UsageError(
            "give SQL files or directories (PATH, or - for stdin), --from-db or --from-logs "
            f"NAME: one of them{'' if not given else ', not ' + ' and '.join(given)}.",
            hint="proxyctl pinning --help shows examples.",
            field=given[1] if len(given) > 1 else "PATH",
        )
    if since is not None and from_logs is None:
        raise UsageError("--since: only with --from-logs NAME.", field="--since")
    if fail_on is not None and fail_on != "pin":
        raise UsageError(f"--fail-on: {fail_on!r} is not pin.", field="--fail-on")
    request = Request(paths, fail_on=fail_on)
    if from_db:
        request.connection = connection
    else:
        _refuse_connection_flags(connection)
    if from_logs is not None:
        request.proxy = validate.proxy_name(from_logs, field="--from-logs")
        request.since = parse_since(since or "1h")
    return request


def _refuse_connection_flags(connection: ConnectionOptions) -> None:
    flags = {
        "--proxy": connection.proxy,
        "--host": connection.host,
        "--user": connection.user,
        "--auth": connection.auth,
        "--via": connection.via,
        "--ca-bundle": connection.ca_bundle,
    }
    for flag, value in flags.items():
        if value is not None:
            raise UsageError(f"{flag}: only with --from-db.", field=flag)


def run(app: App, request: Request) -> PinningReport:
    """Read the input the request names, show the report, and apply --fail-on."""
    if request.proxy is not None:
        report = from_logs(app, request.proxy, request.since)
    elif request.connection is not None:
        report = from_db(app, request.connection, request.timeout)
    else:
        report = from_paths(app, request.paths)
    if request.fail_on is not None:
        report.fail_on, report.passed = request.fail_on, not report.any_pin
    app.emit(report)
    if report.passed is False:
        found = report.pinned + report.unparsed
        raise CheckFailed(f"--fail-on pin: {found} {_WHAT[report.source]} pin sessions.")
    return report


def from_paths(app: App, paths: list[str], stdin: TextIO | None = None) -> PinningReport:
    sources = [source for path in paths for source in _read_path(app, path, stdin)]
    return analyse(sources, PinningReport("sql", [s.where for s in sources]))


def _read_path(app: App, given: str, stdin: TextIO | None) -> list[Source]:
    if given == "-":
        return [Source((stdin or sys.stdin).read(), "stdin", numbered=True)]
    path = Path(given)
    if path.is_dir():
        found = sorted(p for p in path.rglob("*") if p.suffix.lower() == ".sql" and p.is_file())
        if not found:
            app.warn(f"{given}: no .sql files in this directory.")
        return [_read_file(app, p) for p in found]
    if not path.exists():
        raise UsageError(f"PATH: no file or directory {given}.", field="PATH")
    return [_read_file(app, path)]


def _read_file(app: App, path: Path) -> Source:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"PATH: cannot read {path}: {exc.strerror}.", field="PATH") from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("utf-8", errors="replace")
        app.warn(f"{path}: not UTF-8; the bytes that are not were read as \ufffd.")
    return Source(text, str(path), numbered=True)


def from_db(app: App, options: ConnectionOptions, timeout: float) -> PinningReport:
    from proxyctl import reach
    from proxyctl.db.statstatements import read_statements

    target = reach.find(app, options).target()
    read = read_statements(target, timeout)
    sources = [Source(text, "pg_stat_statements", calls=calls) for text, calls in read.statements]
    report = PinningReport("pg_stat_statements", [f"{target.where}/{target.database}"])
    report.hidden = read.hidden
    return analyse(sources, report)


def _logged_at(moment: datetime) -> str:
    """A log line's time to the millisecond, as CloudWatch keeps it."""
    utc = moment.astimezone(UTC)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


def from_logs(app: App, proxy: str, since: timedelta) -> PinningReport:
    from proxyctl.aws.logs import log_group, logs_client, pinned_lines

    end = datetime.now(UTC)
    start = end - since
    lines = pinned_lines(logs_client(app.clients), proxy, start, end)
    sources = [
        Source(line.digest or "", _logged_at(line.at), reason=line.reason)
        for line in lines
        if line.understood
    ]
    start, end = start.replace(microsecond=0), end.replace(microsecond=0)
    report = PinningReport("logs", [log_group(proxy)], since=iso(start), until=iso(end))
    unparsed = [line.message for line in lines if not line.understood]
    report.unparsed, report.unparsed_lines = len(unparsed), unparsed[:UNPARSED_SHOWN]
    return analyse(sources, report)
