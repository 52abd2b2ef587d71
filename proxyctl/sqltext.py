"""SQL text in PostgreSQL's lexical terms: tokens, statements, and whether input is complete.

A tolerant tokenizer, not a parser: it knows where strings, comments, dollar quotes and
quoted identifiers begin and end, so that a `;` or a `SET` inside one is not taken for
code. It never raises: an unterminated string, comment or dollar quote runs to the end
of the input (its token has `closed=False`), and a character it does not know is an
"op" token of its own. Proxy log digests (`set search_path = $1`) tokenize too: `$n`
is a "param" wherever it stands.

Kinds: "word" (keywords and identifiers, unquoted), "ident" ("quoted"), "string" ('..',
E'..' with backslash escapes, $tag$..$tag$), "number", "param" ($1), "op", "punct"
(`( ) , ; . [ ]`), "comment" (-- and nested /* */). Whitespace is not a token.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    offset: int
    closed: bool = True  # False for a string, identifier or comment cut off by the input's end


# Order matters: an E'' string before a word (E is a word's first letter), a comment
# before an operator (-- and /* would otherwise be operator characters). Possessive loops
# (*+) never backtrack, so that no input makes a match slow. The `*_end` groups are empty
# when the input ends inside the quote.
_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<line>--[^\n]*)
  | (?P<block>/\*)
  | (?P<estring>[eE]'(?:[^'\\]+|\\[\s\S]?|'')*+(?P<e_end>')?)
  | (?P<string>'(?:[^']+|'')*+(?P<s_end>')?)
  | (?P<dollar>\$(?P<tag>(?:[^\W\d]\w*)?)\$(?:[\s\S]*?(?P<d_end>\$(?P=tag)\$)|[\s\S]*))
  | (?P<param>\$\d+)
  | (?P<ident>"(?:[^"]+|"")*+(?P<i_end>")?)
  | (?P<word>[^\W\d][\w$]*)
  | (?P<number>0[xXoObB][0-9a-fA-F_]+|(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?)
  | (?P<punct>[(),;.\[\]])
  | (?P<op>(?:[+*<>=~!@\#%^&|`?:]|-(?!-)|/(?!\*))+)
  | (?P<other>[\s\S])
    """,
    re.VERBOSE,
)
_KIND = {"estring": "string", "dollar": "string", "other": "op", "line": "comment"}
_END = {"estring": "e_end", "string": "s_end", "dollar": "d_end", "ident": "i_end"}
_COMMENT_MARK = re.compile(r"/\*|\*/")


def _block_comment_end(sql: str, start: int) -> tuple[int, bool]:
    """Where the /* comment at START ends (comments nest), and whether it was closed."""
    depth = 0
    for mark in _COMMENT_MARK.finditer(sql, start):
        depth += 1 if mark.group() == "/*" else -1
        if depth == 0:
            return mark.end(), True
    return len(sql), False


def tokens(sql: str) -> list[Token]:
    """The tokens of SQL, in order, without whitespace; never raises."""
    if "/*" not in sql:  # no nested comment to count: one pass of the regex does it all
        return [_token(m) for m in _TOKEN.finditer(sql) if m.lastgroup != "space"]
    found: list[Token] = []
    pos, end = 0, len(sql)
    while pos < end:
        match = _TOKEN.match(sql, pos)
        if match is None:  # cannot happen (`other` takes any character); stay tolerant
            found.append(Token("op", sql[pos], pos))
            pos += 1
        elif match.lastgroup == "block":
            stop, closed = _block_comment_end(sql, pos)
            found.append(Token("comment", sql[pos:stop], pos, closed))
            pos = stop
        else:
            if match.lastgroup != "space":
                found.append(_token(match))
            pos = match.end()
    return found


def _token(match: re.Match[str]) -> Token:
    group = match.lastgroup or "other"
    ending = _END.get(group)
    closed = ending is None or match.group(ending) is not None
    return Token(_KIND.get(group, group), match.group(), match.start(), closed)


def _is_routine_start(words: list[str]) -> bool:
    """Whether a statement's first words create a function or procedure, whose
    BEGIN ATOMIC ... END body holds statements of its own."""
    rest = [w for w in words[1:4] if w not in ("or", "replace")]
    return bool(words) and words[0] == "create" and bool(rest) and rest[0] in _ROUTINES


_ROUTINES = ("function", "procedure")
_BODY_DEPTH = {"begin": 1, "case": 1, "end": -1}


class _Splitter:
    """Where statements end: at a `;` outside parentheses and function bodies."""

    def __init__(self, sql: str) -> None:
        self.sql = sql
        self.found: list[tuple[int, str]] = []
        self.start: int | None = None
        self.last_end = 0
        self.code = False
        self.parens = self.depth = 0
        self.words: list[str] = []
        self.ended_by_semicolon = False

    def feed(self, token: Token) -> bool:
        """Take the next token; True when it is the `;` that ends a statement."""
        self.ended_by_semicolon = False
        if token.kind == "punct" and token.text == ";" and self.parens <= 0 and self.depth <= 0:
            self.close()
            self.ended_by_semicolon = True
            return True
        if self.start is None:
            self.start = token.offset
        self.last_end = token.offset + len(token.text)
        if token.kind == "comment":
            return False
        self.code = True
        if token.kind == "punct":
            self.parens += {"(": 1, ")": -1}.get(token.text, 0)
        elif token.kind == "word":
            word = token.text.lower()
            if len(self.words) < 4:
                self.words.append(word)
            elif _is_routine_start(self.words):
                self.depth += _BODY_DEPTH.get(word, 0)
        return False

    def close(self) -> None:
        if self.start is not None and self.code:
            self.found.append((self.start, self.sql[self.start : self.last_end]))
        self.start, self.code, self.parens, self.depth, self.words = None, False, 0, 0, []


def statements(sql: str) -> list[tuple[int, str]]:
    """Each statement of SQL as (offset, text): split at each `;` outside strings,
    comments, dollar quotes, parentheses and a function's BEGIN ATOMIC ... END body.
    The text leaves out the `;` and the whitespace around it; a statement that is only
    comments is left out; a last statement without `;` is kept."""
    splitter = _Splitter(sql)
    for token in tokens(sql):
        splitter.feed(token)
    splitter.close()
    return splitter.found


def statement_tokens(sql: str) -> list[list[Token]]:
    """The tokens of each statement of SQL (comments included, the ending `;` not), split
    as statements() splits; a statement that is only comments is left out."""
    if ";" not in sql:  # one statement (the common case: a digest, a stats entry)
        alone = tokens(sql)
        return [alone] if any(t.kind != "comment" for t in alone) else []
    found: list[list[Token]] = []
    current: list[Token] = []
    splitter = _Splitter(sql)
    for token in tokens(sql):
        if splitter.feed(token):
            found.append(current)
            current = []
        else:
            current.append(token)
    found.append(current)
    return [group for group in found if any(t.kind != "comment" for t in group)]


def is_complete(sql: str) -> bool:
    """Whether SQL ends with a `;` that ends a statement (not one in a string, comment,
    dollar quote, parentheses or function body), with only whitespace and closed
    comments after it."""
    splitter = _Splitter(sql)
    for token in tokens(sql):
        if token.kind == "comment":
            if not token.closed:
                return False
            continue
        splitter.feed(token)
    return splitter.ended_by_semicolon


def compact(sql: str) -> str:
    """SQL on one line without comments: the tokens as written, one space where whitespace
    or a comment stood between them (a.b and x::int stay as they are)."""
    parts: list[str] = []
    end = 0
    for token in tokens(sql):
        if token.kind == "comment":
            continue
        if parts and token.offset > end:
            parts.append(" ")
        parts.append(token.text)
        end = token.offset + len(token.text)
    return "".join(parts)
