"""What pins a client session to one database connection behind RDS Proxy (PostgreSQL).

The rules are data: each holds AWS's own wording (from "Avoiding pinning an RDS Proxy"
in the RDS user guide, as read on the date in `checked`), why the statement pins, and
the fix. `pins(sql)` finds every construct that pins in SQL text: files, statements from
pg_stat_statements, or the digests in the proxy's log lines (`$n` stands for values and
even for names there). It reads tokens (proxyctl.sqltext), not a grammar, and never
raises: text it cannot make sense of yields no pin.

What this static view cannot see:
- function and procedure bodies: `SELECT my_func()`, `CALL proc()` or a trigger that runs
  SET, set_config, nextval or an advisory lock inside pins, or not, without a sign in
  the calling text (the proxy judges the text it relays, so it cannot see them either,
  but the session state they leave behind is real);
- DO blocks: their body is a string;
- serial and identity columns, and any `DEFAULT nextval(...)`: the INSERT that uses the
  default calls nextval inside the server, and its text does not name it;
- what a driver sends on its own (see proxyctl.observe.pinning's driver hints).
Definitions are not calls: a nextval in CREATE TABLE ... DEFAULT, CREATE VIEW, CREATE
FUNCTION or ALTER TABLE runs later, if ever, so it is not counted there.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from proxyctl.sqltext import Token, statement_tokens

CHECKED = "2026-11-29"
LONG_STATEMENT_BYTES = 16 * 1024


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    aws_wording: str  # quoted from the RDS user guide as of `checked`
    checked: str  # ISO date the wording was last compared with the guide
    why: str
    fix: str


@dataclass(frozen=True)
class Pin:
    rule: Rule
    offset: int  # where in the input (characters from its start)
    text: str  # the words matched, as written


def _rule(id: str, title: str, aws: str, why: str, fix: str) -> Rule:
    return Rule(id, title, aws, CHECKED, why, fix)


_SETTINGS_FIX = (
    "Move the setting to the proxy's initialization query (SET a = 1; SET b = 2), to the "
    "start-up parameters the proxy tracks (application_name, client_encoding, DateStyle, "
    "TimeZone, extra_float_digits), or to ALTER ROLE/DATABASE ... SET."
)
RULES: tuple[Rule, ...] = (
    _rule(
        "set",
        "SET (also SET LOCAL and SET SESSION)",
        "Using SET commands.",
        "The proxy does not track session settings, so the connection now differs from "
        "the others in the pool. SET LOCAL lasts only to the end of the transaction, yet "
        "the guide names SET commands without exception (verify with your proxy's logs).",
        _SETTINGS_FIX,
    ),
    _rule(
        "reset",
        "RESET",
        "Setting a parameter, or resetting a parameter to its default.",
        "Resetting a setting changes session state the proxy does not track.",
        "Leave settings at their defaults per connection: the initialization query or "
        "ALTER ROLE/DATABASE ... SET, and drop the RESET (a driver's reset query: see "
        "the driver hints).",
    ),
    _rule(
        "set_config",
        "set_config()",
        "Specifically, using SET and set_config commands to assign default values to "
        "session variables.",
        "set_config changes a setting like SET does, also with is_local = true.",
        _SETTINGS_FIX,
    ),
    _rule(
        "prepare",
        "PREPARE",
        "Using PREPARE, DISCARD, DEALLOCATE, or EXECUTE commands to manage prepared statements.",
        "A named prepared statement lives in one database session.",
        "Send the query with parameters through the driver (the extended protocol no "
        "longer pins since late 2023) instead of SQL-level PREPARE/EXECUTE.",
    ),
    _rule(
        "execute",
        "EXECUTE",
        "Using PREPARE, DISCARD, DEALLOCATE, or EXECUTE commands to manage prepared statements.",
        "EXECUTE runs a statement prepared in this database session.",
        "Send the query with parameters through the driver instead of EXECUTE.",
    ),
    _rule(
        "deallocate",
        "DEALLOCATE",
        "Using PREPARE, DISCARD, DEALLOCATE, or EXECUTE commands to manage prepared statements.",
        "DEALLOCATE manages prepared statements of this database session.",
        "Drop it with the PREPARE it undoes; turn off a driver's statement cache that sends it.",
    ),
    _rule(
        "discard",
        "DISCARD",
        "Discarding the session state.",
        "DISCARD ALL, PLANS, SEQUENCES or TEMP changes the state of the database session.",
        "Let the proxy reset connections; turn off the driver's reset on close (Npgsql: "
        "No Reset On Close=true).",
    ),
    _rule(
        "temp",
        "Temporary tables, views and sequences (also SELECT ... INTO TEMP)",
        "Creating temporary sequences, tables, or views.",
        "A temporary object exists only in the database session that made it.",
        "Use an ordinary table (unlogged, keyed by a run id) or a CTE; or accept the pin "
        "for a batch job and give it its own connection.",
    ),
    _rule(
        "cursor",
        "DECLARE ... CURSOR",
        "Declaring cursors.",
        "A cursor lives in the database session that declared it.",
        "Page with keyset queries (WHERE id > $1 ORDER BY id LIMIT n) instead of a cursor.",
    ),
    _rule(
        "listen",
        "LISTEN",
        "Listening on a notification channel.",
        "Notifications are delivered to the database session that listens.",
        "Listen on a direct connection to the database, not through the proxy.",
    ),
    _rule(
        "load",
        "LOAD",
        "Loading a library module such as auto_explain.",
        "A loaded module stays in the database session.",
        "Load it for every session with session_preload_libraries (parameter group).",
    ),
    _rule(
        "sequence",
        "nextval() and setval()",
        "Manipulating sequences using functions such as nextval and setval.",
        "currval and lastval depend on the session that called nextval or setval.",
        "Let the column default or identity produce the value (INSERT ... RETURNING id) "
        "instead of calling nextval in the statement.",
    ),
    _rule(
        "advisory_lock",
        "Session-level advisory locks",
        "Interacting with locks using functions such as pg_advisory_lock and "
        "pg_try_advisory_lock. RDS Proxy doesn't pin on transaction level advisory locks, "
        "specifically pg_advisory_xact_lock, pg_advisory_xact_lock_shared, "
        "pg_try_advisory_xact_lock, and pg_try_advisory_xact_lock_shared.",
        "A session-level lock is held by the database session until it is unlocked.",
        "Use the transaction-level forms (pg_advisory_xact_lock, pg_try_advisory_xact_lock "
        "and their _shared forms), which do not pin and are released at commit.",
    ),
    _rule(
        "over_16kb",
        "Statements over 16 KB (a 2023 rule)",
        "Any statement with a text size greater than 16 KB causes the proxy to pin the "
        "session. (RDS user guide, 2023; not in today's list: verify with your logs.)",
        "The proxy does not parse statements this long, so it cannot tell they are safe.",
        "Send large data as parameters or with COPY; split generated statements.",
    ),
)
BY_ID = {rule.id: rule for rule in RULES}
# Words a statement must hold for any rule but over_16kb: a quick test that leaves most
# statements untouched ("set" covers reset, set_config, setval; "temp" covers pg_temp).
_MAYBE = re.compile(
    r"set|prepare|execute|deallocate|discard|temp|declare|listen|load|nextval|advisory",
    re.IGNORECASE,
)
_LEADING = {
    "set": "set",
    "reset": "reset",
    "prepare": "prepare",
    "execute": "execute",
    "deallocate": "deallocate",
    "discard": "discard",
    "declare": "cursor",
    "listen": "listen",
    "load": "load",
}
_CALLS = {
    "set_config": "set_config",
    "nextval": "sequence",
    "setval": "sequence",
    "pg_advisory_lock": "advisory_lock",
    "pg_advisory_lock_shared": "advisory_lock",
    "pg_try_advisory_lock": "advisory_lock",
    "pg_try_advisory_lock_shared": "advisory_lock",
}
# Statements that define rather than run: a call written in them does not run now.
_DEFINING = {"create", "alter", "drop", "comment", "grant", "revoke", "security"}
_TEMP = {"temp", "temporary"}
_OBJECTS = {"table", "view", "sequence"}
_EXPLAIN_WORDS = {"analyze", "analyse", "verbose"}


def pins(sql: str) -> list[Pin]:
    """Every construct in SQL (one or more statements) that pins a session, in order."""
    if _MAYBE.search(sql) is None and len(sql) * 4 <= LONG_STATEMENT_BYTES:
        return []
    found: list[Pin] = []
    for group in statement_tokens(sql):
        found.extend(_statement_pins(sql, group))
    return found


def _statement_pins(sql: str, group: list[Token]) -> list[Pin]:
    code = [t for t in group if t.kind != "comment"]
    start, end = group[0].offset, group[-1].offset + len(group[-1].text)
    found: list[Pin] = []
    text = sql[start:end]
    if len(text) * 4 > LONG_STATEMENT_BYTES and len(text.encode()) > LONG_STATEMENT_BYTES:
        found.append(Pin(BY_ID["over_16kb"], start, _head(text)))
    if _MAYBE.search(text) is None:
        return found
    body = _after_explain(code)
    lead = body[0].text.lower() if body and body[0].kind == "word" else ""
    found.extend(_leading_pins(sql, body, lead))
    found.extend(_temp_pins(sql, body, lead))
    if lead not in _DEFINING or _creates_from_query(body):
        found.extend(_call_pins(code))
    return sorted(found, key=lambda pin: pin.offset)


def _head(text: str) -> str:
    first = " ".join(text.split())[:40]
    return f"{first}... ({len(text.encode())} bytes)"


def _span(sql: str, first: Token, last: Token) -> str:
    return sql[first.offset : last.offset + len(last.text)]


def _after_explain(code: list[Token]) -> list[Token]:
    """CODE without a leading EXPLAIN and its options: EXPLAIN ANALYZE runs the statement."""
    if not code or code[0].kind != "word" or code[0].text.lower() != "explain":
        return code
    at, depth = 1, 0
    while at < len(code) and (depth > 0 or code[at].text == "("):
        if code[at].kind == "punct":
            depth += {"(": 1, ")": -1}.get(code[at].text, 0)
        at += 1
    while at < len(code) and code[at].kind == "word" and code[at].text.lower() in _EXPLAIN_WORDS:
        at += 1
    return code[at:]


def _leading_pins(sql: str, body: list[Token], lead: str) -> list[Pin]:
    rule = _LEADING.get(lead)
    if rule is None:
        return []
    after = [t for t in body[1:3] if t.kind in ("word", "ident", "param", "string")]
    if rule == "prepare" and after and after[0].text.lower() == "transaction":
        return []  # two-phase commit, not a prepared statement
    last = after[0] if after else body[0]
    if rule == "set" and len(after) > 1 and after[0].text.lower() in ("local", "session"):
        last = after[1]
    return [Pin(BY_ID[rule], body[0].offset, _span(sql, body[0], last))]


def _temp_pins(sql: str, body: list[Token], lead: str) -> list[Pin]:
    """CREATE TEMP TABLE/VIEW/SEQUENCE, CREATE TABLE pg_temp.x, SELECT ... INTO TEMP."""
    words = [t.text.lower() if t.kind == "word" else t.text for t in body]
    if lead == "create":
        for at, word in enumerate(words[1:7], start=1):
            if word in _TEMP:
                made = next((t for t in body[at : at + 4] if t.text.lower() in _OBJECTS), None)
                return [Pin(BY_ID["temp"], body[0].offset, _span(sql, body[0], made or body[at]))]
            if word in _OBJECTS:
                return _pg_temp_name(sql, body, at)
        return []
    if lead in ("select", "with") or words[:1] == ["("]:
        for at in range(1, len(words) - 1):
            if words[at] == "into" and words[at + 1] in _TEMP and words[at - 1] != "insert":
                return [Pin(BY_ID["temp"], body[at].offset, _span(sql, body[at], body[at + 1]))]
    return []


def _pg_temp_name(sql: str, body: list[Token], at: int) -> list[Pin]:
    """A pin when the object created after BODY[at] (TABLE, VIEW...) is in schema pg_temp."""
    rest = body[at + 1 : at + 6]
    for index, token in enumerate(rest[:-1]):
        if token.text.lower() in ("if", "not", "exists") and token.kind == "word":
            continue
        named = token.kind == "word" and token.text.lower() == "pg_temp"
        if (named or token.text == '"pg_temp"') and rest[index + 1].text == ".":
            return [Pin(BY_ID["temp"], body[0].offset, _span(sql, body[0], token))]
        break
    return []


def _creates_from_query(body: list[Token]) -> bool:
    """CREATE TABLE ... AS and CREATE MATERIALIZED VIEW ... AS run their query now."""
    words = [t.text.lower() for t in body if t.kind == "word"]
    made = next((w for w in words[1:8] if w in ("table", "materialized", "view")), "")
    if made not in ("table", "materialized"):
        return False
    depth = 0
    for token in body:
        if token.kind == "punct":
            depth += {"(": 1, ")": -1}.get(token.text, 0)
        elif depth == 0 and token.kind == "word" and token.text.lower() == "as":
            return True
    return False


def _call_pins(code: list[Token]) -> list[Pin]:
    found = []
    for token, after in itertools.pairwise(code):
        if after.text != "(" or after.kind != "punct":
            continue
        if token.kind == "word":
            name = token.text.lower()
        elif token.kind == "ident":
            name = token.text[1:-1]  # a quoted name matches only as written
        else:
            continue
        rule = _CALLS.get(name)
        if rule is not None:
            found.append(Pin(BY_ID[rule], token.offset, token.text))
    return found
