"""proxyctl.sqltext: tokens, statements and completeness, on inputs that fool naive splitters."""

from __future__ import annotations

import random

import pytest

from proxyctl.sqltext import Token, compact, is_complete, statement_tokens, statements, tokens


def kinds(sql: str) -> list[tuple[str, str]]:
    return [(t.kind, t.text) for t in tokens(sql)]


def test_each_kind_of_token() -> None:
    sql = "SELECT \"Q\"\"x\", 'it''s', E'a\\'b', $$ ; $$, $1, 1.5e3, a::int -- c\n/* x */;"
    assert kinds(sql) == [
        ("word", "SELECT"),
        ("ident", '"Q""x"'),
        ("punct", ","),
        ("string", "'it''s'"),
        ("punct", ","),
        ("string", "E'a\\'b'"),
        ("punct", ","),
        ("string", "$$ ; $$"),
        ("punct", ","),
        ("param", "$1"),
        ("punct", ","),
        ("number", "1.5e3"),
        ("punct", ","),
        ("word", "a"),
        ("op", "::"),
        ("word", "int"),
        ("comment", "-- c"),
        ("comment", "/* x */"),
        ("punct", ";"),
    ]


def test_offsets_point_into_the_input() -> None:
    sql = "select  1 ,\n 'x'"
    assert [(t.offset, t.text) for t in tokens(sql)] == [
        (0, "select"),
        (8, "1"),
        (10, ","),
        (13, "'x'"),
    ]


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        (
            "/* a /* nested */ still comment */ SELECT",
            [("comment", "/* a /* nested */ still comment */"), ("word", "SELECT")],
        ),
        ("$fn$ body with $$ and $other$ $fn$", [("string", "$fn$ body with $$ and $other$ $fn$")]),
        ("a$b$c", [("word", "a$b$c")]),  # $ inside an identifier is no dollar quote
        ("E'\\\\' x", [("string", "E'\\\\'"), ("word", "x")]),  # an escaped backslash ends before '
        ("'a\\' b", [("string", "'a\\'"), ("word", "b")]),  # standard strings: \ is a character
        ("x--y", [("word", "x"), ("comment", "--y")]),
        ("a-/*c*/b", [("word", "a"), ("op", "-"), ("comment", "/*c*/"), ("word", "b")]),
        ("offset", [("word", "offset")]),
        ("e", [("word", "e")]),
        ("select $2", [("word", "select"), ("param", "$2")]),
    ],
)
def test_lexical_corners(sql: str, expected: list[tuple[str, str]]) -> None:
    assert kinds(sql) == expected


@pytest.mark.parametrize(
    "sql", ["'open", "E'open\\", '"open', "$tag$ open $ta", "/* open /* */", "E'ends in ''"]
)
def test_an_unterminated_quote_or_comment_runs_to_the_end(sql: str) -> None:
    found = tokens(sql)
    assert found[-1].offset + len(found[-1].text) == len(sql)
    assert found[-1].closed is False
    assert not is_complete(sql + ";")


def test_tokens_never_raise_and_cover_every_character() -> None:
    """Random text made of the characters that open and close things: tokens in order,
    each where its offset says, and only whitespace between them."""
    alphabet = "'\"$/*-;()eE\\ \n\tab1_.:é\x00"
    rng = random.Random(13)  # noqa: S311 - seeded, so a failure repeats
    for _ in range(3000):
        sql = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        found = tokens(sql)
        at = 0
        for token in found:
            assert token.offset >= at
            assert sql[at : token.offset].strip() == ""
            assert sql[token.offset : token.offset + len(token.text)] == token.text
            at = token.offset + len(token.text)
        assert sql[at:].strip() == ""
        statements(sql)
        is_complete(sql)


def test_statements_split_only_at_top_level_semicolons() -> None:
    sql = (
        "SELECT ';' -- ;\n;\n"
        "  /* ; */ SELECT $$;$$ ;"
        "CREATE RULE r AS ON INSERT TO t DO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2));"
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;"
        ";; -- only a comment\n;"
        "SELECT 3"
    )
    texts = [text for _, text in statements(sql)]
    assert texts == [
        "SELECT ';' -- ;",
        "/* ; */ SELECT $$;$$",
        "CREATE RULE r AS ON INSERT TO t DO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2))",
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END",
        "SELECT 3",
    ]
    for offset, text in statements(sql):
        assert sql[offset : offset + len(text)] == text


def test_statement_tokens_match_statements() -> None:
    sql = "SET a = 1; -- x\nSELECT 1; ; select 2"
    groups = statement_tokens(sql)
    assert [[t.text for t in g] for g in groups] == [
        ["SET", "a", "=", "1"],
        ["-- x", "SELECT", "1"],
        ["select", "2"],
    ]
    assert all(isinstance(t, Token) for g in groups for t in g)


@pytest.mark.parametrize(
    ("sql", "complete"),
    [
        ("SELECT 1;", True),
        ("SELECT 1;  -- done", True),
        ("SELECT 1; /* done */\n", True),
        ("SELECT 1", False),
        ("", False),
        ("-- only\n", False),
        ("SELECT ';", False),
        ("SELECT $$;$$", False),
        ("SELECT $$;", False),
        ("SELECT 1; /* open", False),
        ("SELECT (1;", False),
        ("CREATE FUNCTION f() RETURNS int BEGIN ATOMIC SELECT 1;", False),
        ("CREATE FUNCTION f() RETURNS int BEGIN ATOMIC SELECT 1; END;", True),
        ("SELECT 1; SELECT 2", False),
        ('SELECT "a;', False),
    ],
)
def test_is_complete(sql: str, complete: bool) -> None:
    assert is_complete(sql) is complete


def test_compact_drops_comments_and_keeps_what_is_written() -> None:
    sql = (
        "-- start\nSET  search_path\n  TO app,public /* why */;  SELECT x::int, a.b, 'two  spaces'"
    )
    assert compact(sql) == "SET search_path TO app,public ; SELECT x::int, a.b, 'two  spaces'"
    assert compact("SET a = 1 -- SET b = 2\n, 3") == "SET a = 1 , 3"
    assert compact("") == ""
