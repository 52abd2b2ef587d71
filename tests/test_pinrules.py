"""proxyctl.pinrules: every rule, every false friend, and PostgreSQL's own parser as the oracle.

pglast (PostgreSQL's parser as a library; GPL, a test tool only) parses each statement of
the corpus it can; the kinds of statement and the calls it finds must give the same
rules as the classifier. Digests from proxy logs (`set names $2`) do not parse: for them
the expected rules written here are the only judge.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest

from proxyctl.pinrules import BY_ID, CHECKED, LONG_STATEMENT_BYTES, RULES, Pin, pins
from proxyctl.sqltext import statements

LONG = "SELECT '" + "x" * LONG_STATEMENT_BYTES + "'"
# (SQL, the rules it pins by, in order)
CORPUS: list[tuple[str, list[str]]] = [
    # every rule
    ("SET search_path TO app, public", ["set"]),
    ("set time zone 'UTC'", ["set"]),
    ("SET LOCAL statement_timeout = '5s'", ["set"]),
    ("SET SESSION AUTHORIZATION app", ["set"]),
    ("SET ROLE reporting", ["set"]),
    ("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", ["set"]),
    ("SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL REPEATABLE READ", ["set"]),
    ("SET extra_float_digits = 3", ["set"]),
    ("RESET ALL", ["reset"]),
    ("reset search_path", ["reset"]),
    ("SELECT set_config('search_path', 'app', false)", ["set_config"]),
    ("SELECT pg_catalog.set_config('work_mem', '64MB', true)", ["set_config"]),
    ("PREPARE q(int) AS SELECT * FROM t WHERE id = $1", ["prepare"]),
    ("EXECUTE q(1)", ["execute"]),
    ("DEALLOCATE q", ["deallocate"]),
    ("DEALLOCATE ALL", ["deallocate"]),
    ("DISCARD ALL", ["discard"]),
    ("discard temp", ["discard"]),
    ("CREATE TEMP TABLE scratch (id int)", ["temp"]),
    ("CREATE TEMPORARY TABLE IF NOT EXISTS scratch (id int)", ["temp"]),
    ("CREATE GLOBAL TEMPORARY TABLE scratch (id int)", ["temp"]),
    ("CREATE TEMP VIEW v AS SELECT 1", ["temp"]),
    ("CREATE OR REPLACE TEMP VIEW v AS SELECT 1", ["temp"]),
    ("CREATE TEMPORARY SEQUENCE s", ["temp"]),
    ("CREATE TEMP TABLE t2 AS SELECT * FROM t", ["temp"]),
    ("CREATE TABLE pg_temp.scratch (id int)", ["temp"]),
    ("SELECT * INTO TEMP scratch FROM t", ["temp"]),
    ("SELECT id INTO TEMPORARY TABLE scratch FROM t", ["temp"]),
    ("WITH x AS (SELECT 1 AS a) SELECT a INTO TEMP t3 FROM x", ["temp"]),
    ("DECLARE c CURSOR WITH HOLD FOR SELECT * FROM t", ["cursor"]),
    ("DECLARE c NO SCROLL CURSOR FOR SELECT 1", ["cursor"]),
    ("LISTEN orders", ["listen"]),
    ("LOAD 'auto_explain'", ["load"]),
    ("SELECT nextval('orders_id_seq')", ["sequence"]),
    ("INSERT INTO t (id) VALUES (nextval('s'))", ["sequence"]),
    ("SELECT setval('s', 42, true)", ["sequence"]),
    ("SELECT \"nextval\"('s')", ["sequence"]),
    ("SELECT pg_catalog.nextval('s'), setval('t', 1)", ["sequence", "sequence"]),
    ("SELECT pg_advisory_lock(42)", ["advisory_lock"]),
    ("SELECT pg_try_advisory_lock(1, 2)", ["advisory_lock"]),
    ("SELECT pg_advisory_lock_shared(7)", ["advisory_lock"]),
    ("SELECT pg_try_advisory_lock_shared(7)", ["advisory_lock"]),
    ("CREATE TABLE copy AS SELECT nextval('s') AS id", ["sequence"]),
    ("CREATE MATERIALIZED VIEW m AS SELECT nextval('s')", ["sequence"]),
    ("EXPLAIN ANALYZE SELECT nextval('s')", ["sequence"]),
    ("EXPLAIN (ANALYZE, BUFFERS) CREATE TEMP TABLE x AS SELECT 1", ["temp"]),
    ("PREPARE p AS SELECT nextval('s')", ["prepare", "sequence"]),
    ("DECLARE c CURSOR FOR SELECT pg_advisory_lock(1)", ["cursor", "advisory_lock"]),
    (LONG, ["over_16kb"]),
    # proxy log digests: $n where the grammar wants a name or a keyword
    ("set search_path = $1", ["set"]),
    ("set names $2", ["set"]),
    ("SELECT pg_advisory_lock($1)", ["advisory_lock"]),
    ("create temporary table $1 ($2 int)", ["temp"]),
    ("select nextval($1::regclass)", ["sequence"]),
    # false friends
    ("SELECT pg_advisory_xact_lock(42)", []),
    ("SELECT pg_try_advisory_xact_lock(42)", []),
    ("SELECT pg_advisory_xact_lock_shared(1)", []),
    ("SELECT pg_try_advisory_xact_lock_shared(1)", []),
    ("SELECT pg_advisory_unlock(42)", []),
    ("SELECT 'SET search_path = x; SELECT nextval(''s'')'", []),
    ("SELECT E'\\' SET x = 1; nextval(\\'s\\')'", []),
    ("SELECT 1 -- SET x = 1; nextval('s')\n", []),
    ("SELECT /* DISCARD ALL; /* nested */ LISTEN x; */ 1", []),
    ("SELECT $$ SET x = 1; SELECT nextval('s') $$", []),
    ("SELECT $body$ CREATE TEMP TABLE t (a int) $body$", []),
    (
        "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN "
        "SET LOCAL work_mem = '1GB'; PERFORM nextval('s'); PERFORM pg_advisory_lock(1); END $$",
        [],
    ),
    ("DO $$ BEGIN PERFORM pg_advisory_lock(1); END $$", []),
    ("SELECT setting FROM pg_settings WHERE name = 'work_mem'", []),
    ('SELECT "setting", settings.reset_val FROM pg_settings settings', []),
    ("UPDATE config SET setting = 'x', value = 1", []),
    ("INSERT INTO t (a) VALUES (1) ON CONFLICT (a) DO UPDATE SET a = 2", []),
    ("SELECT * FROM t ORDER BY id LIMIT 10 OFFSET 20", []),
    ("SELECT * FROM t OFFSET $1 LIMIT $2", []),
    ("ALTER ROLE app SET search_path = app", []),
    ("ALTER DATABASE app SET timezone = 'UTC'", []),
    ("ALTER TABLE t ALTER COLUMN id SET DEFAULT nextval('s')", []),
    ("CREATE TABLE t (id int DEFAULT nextval('s'), n text)", []),
    ("CREATE TABLE t (id serial PRIMARY KEY)", []),
    ("CREATE VIEW v AS SELECT nextval('s')", []),
    ("CREATE FUNCTION g() RETURNS int LANGUAGE sql RETURN nextval('s')", []),
    (
        "CREATE FUNCTION h() RETURNS bigint LANGUAGE sql BEGIN ATOMIC SELECT nextval('s'); END",
        [],
    ),
    ("CREATE TABLE temp (id int)", []),
    ("INSERT INTO temp VALUES (1)", []),
    ("SELECT * FROM temp", []),
    ("CREATE TABLE templates (id int)", []),
    ("SELECT nextval FROM counters", []),
    ("SELECT currval('s'), lastval()", []),
    ("PREPARE TRANSACTION 'tx1'", []),
    ("COMMIT PREPARED 'tx1'", []),
    ("CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW EXECUTE FUNCTION f()", []),
    ("GRANT EXECUTE ON FUNCTION pg_advisory_lock(bigint) TO app", []),
    ("SHOW search_path", []),
    ("SELECT current_setting('search_path')", []),
    ("UNLISTEN *", []),
    ("BEGIN ISOLATION LEVEL SERIALIZABLE", []),
    ("SELECT 1 AS settle, 'load' AS listen_to, declare_date FROM t", []),
    ("SELECT 'x' || $1", []),
]


def rules_of(sql: str) -> list[str]:
    return [pin.rule.id for pin in pins(sql)]


@pytest.mark.parametrize(("sql", "expected"), CORPUS, ids=[s[:50] for s, _ in CORPUS])
def test_corpus(sql: str, expected: list[str]) -> None:
    assert rules_of(sql) == expected


def test_every_rule_is_in_the_corpus_and_has_its_wording() -> None:
    seen = {rule for _, expected in CORPUS for rule in expected}
    assert seen == set(BY_ID)
    for rule in RULES:
        assert rule.aws_wording and rule.why and rule.fix and rule.title
        assert rule.checked == CHECKED == "2026-11-29"
    assert "2023" in BY_ID["over_16kb"].title
    assert "pg_advisory_xact_lock" in BY_ID["advisory_lock"].aws_wording


def test_pins_give_offset_and_words_matched() -> None:
    sql = "SELECT 1;\n  set LOCAL lock_timeout = 0; SELECT pg_advisory_lock(1), nextval('s')"
    found = pins(sql)
    assert [(p.rule.id, p.offset, p.text) for p in found] == [
        ("set", 12, "set LOCAL lock_timeout"),
        ("advisory_lock", 47, "pg_advisory_lock"),
        ("sequence", 68, "nextval"),
    ]
    for pin in found:
        assert sql[pin.offset :].lower().startswith(pin.text.lower())
    assert isinstance(found[0], Pin)


def test_the_16kb_rule_counts_bytes_not_characters() -> None:
    chars = LONG_STATEMENT_BYTES // 2 + 20  # é is 2 bytes in UTF-8: over 16 KB, x is not
    assert rules_of("SELECT '" + "é" * chars + "'") == ["over_16kb"]
    assert rules_of("SELECT '" + "x" * chars + "'") == []
    assert pins(LONG)[0].text.endswith(f"({len(LONG)} bytes)")


def test_pins_never_raise() -> None:
    rng = random.Random(29)  # noqa: S311 - seeded, so a failure repeats
    pieces = [
        "SET ",
        "'",
        '"',
        "$$",
        "$a$",
        "/*",
        "*/",
        "--",
        ";",
        "(",
        ")",
        "nextval",
        "\n",
        "E'",
        "\\",
        "create temp table ",
        "into temp ",
        "x",
        "$1",
        "explain (",
        "declare ",
    ]
    for _ in range(3000):
        pins("".join(rng.choice(pieces) for _ in range(rng.randint(0, 25))))


# The oracle: what PostgreSQL's parser says each statement is.
_STATEMENT_RULES = {
    "PrepareStmt": "prepare",
    "ExecuteStmt": "execute",
    "DeallocateStmt": "deallocate",
    "DiscardStmt": "discard",
    "DeclareCursorStmt": "cursor",
    "ListenStmt": "listen",
    "LoadStmt": "load",
    "ConstraintsSetStmt": "set",
}
_CALL_RULES = {
    "set_config": "set_config",
    "nextval": "sequence",
    "setval": "sequence",
    "pg_advisory_lock": "advisory_lock",
    "pg_advisory_lock_shared": "advisory_lock",
    "pg_try_advisory_lock": "advisory_lock",
    "pg_try_advisory_lock_shared": "advisory_lock",
}


def _temporary(relation: dict[str, Any] | None) -> bool:
    return bool(relation) and (
        relation.get("relpersistence") == "t" or relation.get("schemaname") == "pg_temp"
    )


def _statement_rules(node: dict[str, Any]) -> Iterator[str]:
    """The rules a statement pins by for what it is (not for the calls in it)."""
    kind = node.get("@", "")
    if kind == "ExplainStmt":  # EXPLAIN ANALYZE runs its statement
        yield from _statement_rules(node["query"])
    if kind in _STATEMENT_RULES:
        yield _STATEMENT_RULES[kind]
    if kind == "VariableSetStmt":
        yield "reset" if node["kind"]["name"].startswith("VAR_RESET") else "set"
    relation = node.get("relation") or node.get("view") or node.get("sequence")
    into = node.get("intoClause") or node.get("into")
    if kind in ("CreateStmt", "ViewStmt", "CreateSeqStmt") and _temporary(relation):
        yield "temp"
    if kind in ("SelectStmt", "CreateTableAsStmt") and into and _temporary(into.get("rel")):
        yield "temp"


def _defines(node: dict[str, Any]) -> bool:
    """A statement whose calls do not run now (CREATE, ALTER, GRANT...), but CREATE TABLE AS."""
    kind = node.get("@", "")
    if kind == "CreateTableAsStmt":
        return False
    starts = ("Create", "Alter", "Grant", "Comment", "Define", "View")
    return kind.endswith("Stmt") and kind.startswith(starts)


def call_rules(node: Any) -> Iterator[str]:
    """The rule of each pinning function call below NODE that runs when NODE runs."""
    if isinstance(node, dict):
        if _defines(node):
            return
        if node.get("@") == "FuncCall":
            rule = _CALL_RULES.get(node["funcname"][-1]["sval"])
            if rule:
                yield rule
        for value in node.values():
            yield from call_rules(value)
    elif isinstance(node, list | tuple):
        for value in node:
            yield from call_rules(value)


def oracle_rules(statement: dict[str, Any]) -> list[str]:
    return sorted([*_statement_rules(statement), *call_rules(statement)])


def test_the_classifier_agrees_with_postgresqls_parser() -> None:
    try:
        import pglast
    except ImportError:
        pytest.fail("pglast is missing: pip install -e '.[test]' (tests/run.sh does) installs it")
    parsed = 0
    for sql, _ in CORPUS:
        for _, text in statements(sql):
            try:
                tree = pglast.parse_sql(text)
            except pglast.parser.ParseError:
                continue  # a digest with $n where the grammar forbids it
            parsed += 1
            expected = [rule for s in tree for rule in oracle_rules(s.stmt(skip_none=True))]
            if len(text.encode()) > LONG_STATEMENT_BYTES:
                expected.append("over_16kb")
            assert sorted(rules_of(text)) == sorted(expected), text
    assert parsed >= len(CORPUS) - 5
