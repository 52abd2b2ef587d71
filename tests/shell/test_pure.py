"""The shell's pure decisions: what needs a confirmation, what pins, when Enter sends,
what history keeps, how values and errors look."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from proxyctl.db.session import Answer, StatementError
from proxyctl.shell import guard, lines, render


@pytest.mark.parametrize(
    ("sql", "said"),
    [
        ("drop table orders", "DROP TABLE orders"),
        ('drop table if exists "Orders" cascade', 'DROP TABLE IF EXISTS "Orders"'),
        ("TRUNCATE orders", "TRUNCATE orders"),
        ("delete from orders", "DELETE without WHERE (every row goes)"),
        ("update orders set paid = true", "UPDATE without WHERE (every row changes)"),
        ("with gone as (select 1) delete from orders", "DELETE without WHERE (every row goes)"),
        ("delete from orders where id = 1", None),
        ("update orders set paid = (select true where false) where id = 2", None),
        ("select 'drop table x'", None),
        ("-- delete from x\nselect 1", None),
        ("insert into log select * from orders where false", None),
    ],
)
def test_what_needs_a_confirmation(sql: str, said: str | None) -> None:
    assert guard.destroys(sql) == said


def test_a_where_inside_parentheses_is_not_the_statement_s() -> None:
    assert guard.destroys("delete from t using (select 1 where true) s") is not None


def test_pin_warnings_say_what_why_and_fix() -> None:
    said = guard.pin_warnings("select nextval('s')")
    assert (
        said[0]
        == "'nextval' pins this session to one database connection (nextval() and setval())."
    )
    assert said[1].startswith("  why: ") and said[2].startswith("  fix: ")
    assert guard.pin_warnings("select 1") == []
    assert guard.pinned_by("set search_path = x") == [
        "SET (also SET LOCAL and SET SESSION): set search_path"
    ]


@pytest.mark.parametrize(
    ("text", "sent"),
    [
        ("select 1", False),
        ("select 1;", True),
        ("select ';'", False),
        ("select $$;$$", False),
        ("\\conninfo", True),
        ("", True),
        ("quit", True),
        ("select 1; -- done", True),
    ],
)
def test_when_enter_sends(text: str, sent: bool) -> None:
    assert lines.finished(text) is sent


def test_history_leaves_out_passwords() -> None:
    assert lines.keeps_secret("alter role app password 'p'")
    assert not lines.keeps_secret("select 'password'")


def test_json_values() -> None:
    assert render.json_value(Decimal("2.5")) == 2.5
    assert render.json_value(Decimal("12345678901234567890.123")) == "12345678901234567890.123"
    assert render.json_value(Decimal("1e20")) == 10**20
    assert render.json_value(Decimal("NaN")) == "NaN"
    assert render.json_value(float("inf")) == "inf"
    assert render.json_value(timedelta(days=-1)) == "-P1DT0S"
    assert render.json_value(b"\x00") == "AA=="


def test_table_cleans_server_text_and_aligns_numbers() -> None:
    answer = Answer(columns=["n", "s"], types=["int4", "text"], rows=[(1, "a\x1b[2Jb"), (10, None)])
    assert render.table(answer) == (
        " n  |     s\n----+-----------\n  1 | a\\x1b[2Jb\n 10 |\n(2 rows)\n"
    )


def test_error_marker_under_the_position() -> None:
    error = StatementError('syntax error at or near "form"', "42601", "ERROR", position=17)
    assert render.error_lines(error, "select 1\n  from form") == [
        'ERROR:  syntax error at or near "form" (SQLSTATE 42601)',
        "LINE 2:   from form",
        "               ^",
    ]
