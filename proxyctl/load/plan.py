"""What a load run is asked to do, checked before anything connects (pure but for the
--file read): the Load, the statement's write check, the endpoint list, the size check."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from proxyctl import validate
from proxyctl.errors import UsageError
from proxyctl.load.generator import Load

DEFAULT_DURATION = 30.0
MOST_CLIENTS = 5000
ASK_ABOVE_CLIENTS = 200  # a bigger run is confirmed (--yes): it may hurt a database
ASK_ABOVE_CONNECTIONS = 10_000
READ_WORDS = {"select", "show", "values", "table", "explain"}
WRITE_WORDS = {"insert", "update", "delete", "merge", "truncate", "copy", "into"}


@dataclass
class LoadOptions:
    clients: int = 10
    duration: str | None = None
    connections: int | None = None
    mode: str = "lambda"
    rate: float | None = None
    ramp_up: str = "0s"
    sql: str | None = None
    file: str | None = None
    write: bool = False


def statement(o: LoadOptions) -> str:
    if o.sql is not None and o.file is not None:
        raise UsageError("--sql and --file both give the statement: give one.", field="--sql")
    sql, field = (o.sql, "--sql") if o.file is None else (_read(o.file), "--file")
    if sql is None:
        return "select 1"
    if not sql.strip():
        raise UsageError(f"{field}: the statement is empty.", field=field)
    if not o.write and writes(sql):
        raise UsageError(
            f"{field}: the statement may write to the database; load runs read-only "
            "statements unless --write.",
            hint="Pass --write to run it anyway, many times over.",
            field="--write",
        )
    return sql


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError as exc:
        raise UsageError(f"--file: cannot read {path}: {exc.strerror}", field="--file") from None
    except UnicodeDecodeError:
        raise UsageError(f"--file: {path} is not UTF-8 text.", field="--file") from None


def writes(sql: str) -> bool:
    """Whether any statement of SQL may write: its first word is not SELECT, WITH, SHOW,
    VALUES, TABLE or EXPLAIN, or a WITH / EXPLAIN holds a data-modifying word, or a
    SELECT ... INTO makes a table."""
    from proxyctl.sqltext import statement_tokens

    for tokens in statement_tokens(sql):
        words = [t.text.lower() for t in tokens if t.kind == "word"]
        if not words or words[0] not in READ_WORDS | {"with"}:
            return True
        if words[0] != "show" and WRITE_WORDS & set(words):
            return True
    return False


def build_load(o: LoadOptions) -> Load:
    if not 1 <= o.clients <= MOST_CLIENTS:
        raise UsageError(f"--clients: from 1 to {MOST_CLIENTS:,}.", field="--clients")
    if o.mode not in ("lambda", "pool"):
        raise UsageError(f"--mode: {o.mode!r} is not lambda or pool.", field="--mode")
    if o.connections is not None and o.connections < 1:
        raise UsageError("--connections: at least 1.", field="--connections")
    if o.rate is not None and o.rate <= 0:
        raise UsageError("--rate: more than 0 connections per second.", field="--rate")
    duration = None
    if o.duration is not None:
        duration = validate.duration(o.duration, "--duration", 1, 3600)
    elif o.connections is None:
        duration = DEFAULT_DURATION
    ramp = validate.duration(o.ramp_up, "--ramp-up", 0, 600)
    return Load(o.clients, o.mode, statement(o), duration, o.connections, o.rate, ramp)


def needs_consent(load: Load) -> str | None:
    """Why this run is big enough to ask first, or None."""
    if load.clients > ASK_ABOVE_CLIENTS:
        return f"{load.clients:,} concurrent clients (more than {ASK_ABOVE_CLIENTS})"
    if load.total is not None and load.total > ASK_ABOVE_CONNECTIONS:
        return f"{load.total:,} connections (more than {ASK_ABOVE_CONNECTIONS:,})"
    if load.total is None and load.rate is not None and load.duration is not None:
        planned = load.rate * load.duration
        if planned > ASK_ABOVE_CONNECTIONS:
            return f"about {planned:,.0f} connections (more than {ASK_ABOVE_CONNECTIONS:,})"
    return None


def parse_endpoint(text: str, flag: str) -> tuple[str, str, int]:
    """LABEL=HOST[:PORT]."""
    label, sep, rest = text.partition("=")
    host, _, port = rest.partition(":")
    if not sep or not label or not host or (port and not port.isdigit()):
        raise UsageError(f"{flag}: {text!r} is not LABEL=HOST[:PORT].", field=flag)
    return label, validate.host(host, field=flag), validate.port(int(port or 5432), flag)


def parse_address(text: str, flag: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit():
        raise UsageError(f"{flag}: {text!r} is not HOST:PORT.", field=flag)
    return validate.host(host.strip("[]"), field=flag), validate.port(int(port), flag)
