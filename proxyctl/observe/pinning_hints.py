"""What to change, beyond each rule's fix: drivers that pin on their own, the statements to
move to the proxy's initialization query, and what a proxy for PostgreSQL tracks (pure).

Driver patterns are matched on a statement's normalized text (lower case, one space) or
on the proxy's reason in a log line. They say "looks like": a statement does not carry
the name of the program that sent it.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

from proxyctl.sqltext import compact, tokens

# Start-up parameters the proxy tracks: a client may send them when it connects (no pin).
TRACKED = ("application_name", "client_encoding", "DateStyle", "TimeZone", "extra_float_digits")
_TRACKED_NAMES = {name.lower() for name in TRACKED} | {"names", "time zone"}
NOTES = (
    "Start-up parameters the proxy tracks, so they do not pin when sent at connect: "
    + ", ".join(TRACKED)
    + " (and user, database). Any other start-up parameter, `options` and PGOPTIONS "
    # AWS's message has a curly apostrophe (U+2019).
    'included, is refused: "Feature not supported: RDS Proxy currently doesn\u2019t support '
    'command-line options." (SQLSTATE 0A000). The same settings sent later with SET pin.',
    "SessionPinningFilters (EXCLUDE_VARIABLE_SETS), which many guides recommend, applies "
    "to MySQL proxies only: it does not stop SET from pinning on PostgreSQL.",
    "Static analysis cannot see what runs inside functions, procedures and triggers "
    "(SELECT f(), CALL p()), DO blocks, or serial and identity defaults that call nextval: "
    "the proxy's logs (--from-logs) show what really pinned.",
)


@dataclass(frozen=True)
class DriverPattern:
    id: str
    driver: str
    looks_like: str  # what the statements suggest
    fix: str
    statement: str = ""  # regex on a statement's normalized text
    reason: str = ""  # regex on the proxy's reason (log lines)


PATTERNS: tuple[DriverPattern, ...] = (
    DriverPattern(
        "asyncpg-reset",
        "asyncpg",
        "asyncpg's pool reset query, run when a connection goes back to its pool: "
        "SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL;",
        "Turn the reset off: create_pool(reset=...) with a reset that sends nothing "
        "(recent asyncpg), or a Connection subclass whose reset query is empty; and "
        "statement_cache_size=0, so that asyncpg keeps no named prepared statements.",
        statement=r"^select pg_advisory_unlock_all\(\)|^close all$|^unlisten \*$",
    ),
    DriverPattern(
        "psycopg-prepare",
        "psycopg 3",
        "psycopg prepares a statement it has run 5 times (prepare_threshold) and sends "
        "DEALLOCATE when its cache is full.",
        "Connect with prepare_threshold=None (psycopg.connect(..., prepare_threshold=None), "
        "or in a pool's kwargs).",
        statement=r"^deallocate ",
    ),
    DriverPattern(
        "prepared-protocol",
        "psycopg 3, asyncpg, JDBC",
        "The proxy logged a parse message: named prepared statements of the extended "
        "protocol (pinned before late 2023).",
        "psycopg: prepare_threshold=None; asyncpg: statement_cache_size=0; JDBC: "
        "prepareThreshold=0.",
        reason=r"parse message",
    ),
    DriverPattern(
        "jdbc-float-digits",
        "PostgreSQL JDBC",
        "pgjdbc sends SET extra_float_digits = 3 after connecting to a server it does "
        "not know the version of.",
        "Add assumeMinServerVersion=9.0 (or newer) to the JDBC URL: pgjdbc then sends "
        "extra_float_digits as a start-up parameter, which the proxy tracks.",
        statement=r"^set extra_float_digits",
    ),
    DriverPattern(
        "jdbc-application-name",
        "PostgreSQL JDBC (and others)",
        "SET application_name after connecting (pgjdbc's setClientInfo).",
        "Give ApplicationName in the JDBC URL or properties (application_name in libpq's "
        "connection string): a start-up parameter, which the proxy tracks.",
        statement=r"^set (session )?application_name",
    ),
    DriverPattern(
        "jdbc-isolation",
        "PostgreSQL JDBC",
        "pgjdbc's setTransactionIsolation sends SET SESSION CHARACTERISTICS AS TRANSACTION.",
        "Set default_transaction_isolation for the role (ALTER ROLE app SET "
        "default_transaction_isolation = 'repeatable read') instead of per connection.",
        statement=r"^set session characteristics as transaction",
    ),
    DriverPattern(
        "npgsql-discard",
        "Npgsql",
        "Npgsql sends DISCARD ALL when a pooled connection is closed.",
        "Add No Reset On Close=true to the connection string.",
        statement=r"^discard all$",
    ),
    DriverPattern(
        "pgcli-timezone",
        "pgcli",
        "pgcli sends SET TIME ZONE with this machine's zone at connect.",
        "Set use_local_timezone = False in pgcli's config (~/.config/pgcli/config), or "
        "PGTZ, which libpq sends as a start-up parameter.",
        statement=r"^set time zone ",
    ),
    DriverPattern(
        "psqlodbc-datestyle",
        "psqlODBC",
        "psqlODBC sends SET DateStyle to 'ISO' at connect.",
        "Set DateStyle for the role or the parameter group, or as a start-up parameter.",
        statement=r"^set datestyle to 'iso'",
    ),
    DriverPattern(
        "rails-setup",
        "Ruby on Rails",
        "Rails' PostgreSQL adapter sends its SETs (client_min_messages, "
        "standard_conforming_strings, intervalstyle, timezone, variables) on every connect.",
        "Put the same settings in the role (ALTER ROLE app SET ...) or the initialization "
        "query, and stop the adapter from sending them (an override of configure_connection); "
        "drop `variables:` from database.yml.",
        statement=r"^set (client_min_messages to|standard_conforming_strings = on|"
        r"intervalstyle = iso_8601)",
    ),
    DriverPattern(
        "prisma-search-path",
        "Prisma",
        'Prisma sends SET search_path = "schema" when the URL has ?schema=.',
        "Drop ?schema= when it is public; otherwise set it for the role (ALTER ROLE app SET "
        "search_path = schema).",
        statement=r'^set search_path = "',
    ),
)
_COMPILED = [
    (p, re.compile(p.statement) if p.statement else None, re.compile(p.reason, re.I))
    for p in PATTERNS
]


@dataclass
class DriverHint:
    id: str
    driver: str
    looks_like: str
    fix: str
    count: int = 0
    examples: list[str] = field(default_factory=list)


def normalized(statement: str) -> str:
    return compact(statement).lower().rstrip(";").strip()


def driver_hints(
    statements: list[tuple[str, int]], reasons: list[tuple[str, int]]
) -> list[DriverHint]:
    """The driver patterns the STATEMENTS ((text, count)) and log REASONS fit."""
    hints: dict[str, DriverHint] = {}
    for pattern, statement, reason in _COMPILED:
        for text, count in statements:
            if statement is not None and statement.search(normalized(text)):
                _add(hints, pattern, compact(text), count)
        for said, count in reasons:
            if pattern.reason and reason.search(said):
                _add(hints, pattern, said, count)
    return list(hints.values())


def _add(hints: dict[str, DriverHint], pattern: DriverPattern, example: str, count: int) -> None:
    hint = hints.setdefault(
        pattern.id, DriverHint(pattern.id, pattern.driver, pattern.looks_like, pattern.fix)
    )
    hint.count += count
    if example not in hint.examples and len(hint.examples) < 3:
        hint.examples.append(example[:120])


@dataclass
class InitQuery:
    """SET statements that could move to the proxy's initialization query."""

    sql: str  # "SET a = 1; SET b = 2", or "" when there is nothing to move
    command: str  # the init flag that sets it, quoted for a shell
    startup: list[str] = field(default_factory=list)  # SETs better sent as start-up params
    unknown: list[str] = field(default_factory=list)  # settings whose value a digest hides
    conflicts: list[str] = field(default_factory=list)  # settings SET to several values


def setting_of(statement: str) -> str | None:
    """The setting a `SET [SESSION] name ...` statement changes; None for SET LOCAL,
    SET TRANSACTION, SET CONSTRAINTS, SET ROLE and others that an init query cannot hold."""
    words = [t.text.lower() for t in tokens(statement) if t.kind != "comment"]
    if not words or words[0] != "set":
        return None
    rest = words[2:] if len(words) > 1 and words[1] == "session" else words[1:]
    if not rest or rest[0] in ("local", "transaction", "constraints", "characteristics"):
        return None
    if rest[0] in ("role", "authorization"):
        return None
    return "time zone" if rest[:2] == ["time", "zone"] else rest[0].strip('"')


def init_query(set_statements: list[str]) -> InitQuery:
    """The initialization query for these SET statements (each as written, once)."""
    chosen: dict[str, str] = {}
    made = InitQuery("", "")
    for statement in set_statements:
        text = compact(statement).rstrip(";")
        name = setting_of(text)
        if name is None:
            continue
        if name in _TRACKED_NAMES:
            _once(made.startup, text)
        elif any(t.kind == "param" for t in tokens(text)):
            _once(made.unknown, name)
        elif name in chosen and chosen[name] != text:
            _once(made.conflicts, name)
        else:
            chosen.setdefault(name, text)
    made.sql = "; ".join(chosen.values())
    if made.sql:
        made.command = f"proxyctl init ... --init-query {_shell_quoted(made.sql)}"
    return made


def _shell_quoted(text: str) -> str:
    """TEXT as one shell word: in double quotes when nothing in it is special there
    (SQL's 'strings' read better so), else as shlex quotes it."""
    if re.fullmatch(r'[^"$`\\!]*', text):
        return f'"{text}"'
    return shlex.quote(text)


def _once(found: list[str], item: str) -> None:
    if item not in found:
        found.append(item)
