"""What to say before a statement is sent (pure): a confirmation for statements that
destroy data, and a warning for each construct that pins the session to one database
connection behind a proxy (the rules are proxyctl.pinrules')."""

from __future__ import annotations

from proxyctl import pinrules, sqltext
from proxyctl.output import clean

DESTROYING = ("drop", "truncate")
# Words between DROP/TRUNCATE and the name of what goes.
KEYWORDS = {
    *DESTROYING,
    *[
        "table",
        "index",
        "view",
        "schema",
        "database",
        "sequence",
        "if",
        "exists",
        "only",
        "materialized",
        "function",
    ],
    *["role", "user", "type", "extension", "owned", "by", "concurrently", "procedure", "trigger"],
}
NEED_WHERE = {"delete": "every row goes", "update": "every row changes"}


def _top_level_words(sql: str) -> list[str]:
    """The statement's words and quoted names outside parentheses, as written."""
    depth, words = 0, []
    for token in sqltext.tokens(sql):
        if token.kind == "punct" and token.text == "(":
            depth += 1
        elif token.kind == "punct" and token.text == ")":
            depth = max(0, depth - 1)
        elif token.kind in ("word", "ident") and depth == 0:
            words.append(token.text)
    return words


def _named(written: list[str]) -> str:
    """DROP TABLE IF EXISTS orders: the keywords up to the first name, and that name."""
    shown = []
    for word in written:
        if word.lower() not in KEYWORDS:
            shown.append(word)
            break
        shown.append(word.upper())
    return " ".join(shown)


def destroys(sql: str) -> str | None:
    """What the statement would destroy, in a few words, or None: DROP, TRUNCATE, and a
    DELETE or UPDATE without a WHERE (also after a WITH)."""
    written = _top_level_words(sql)
    words = [w.lower() for w in written]
    if not words:
        return None
    if words[0] in DESTROYING:
        return _named(written)
    for index, word in enumerate(words):
        if word in NEED_WHERE and "where" not in words[index:]:
            return f"{word.upper()} without WHERE ({NEED_WHERE[word]})"
    return None


def pin_warnings(sql: str) -> list[str]:
    """For each pinning construct in SQL: what pins, why, and the fix (three lines)."""
    lines = []
    for pin in pinrules.pins(sql):
        rule = pin.rule
        lines.append(
            f"{clean(pin.text)!r} pins this session to one database connection ({rule.title})."
        )
        lines.append(f"  why: {rule.why}")
        lines.append(f"  fix: {rule.fix}")
    return lines


def pinned_by(sql: str) -> list[str]:
    """What in SQL pinned the session, for \\pinning: `rule title: the words`."""
    return [f"{pin.rule.title}: {clean(pin.text)}" for pin in pinrules.pins(sql)]
