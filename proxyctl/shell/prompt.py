"""The prompt_toolkit session of the interactive shell (imported only when it starts):
Enter sends a finished statement and starts a new line in an unfinished one."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prompt_toolkit import PromptSession
from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.history import FileHistory
from prompt_toolkit.key_binding import KeyBindings
from prompt_toolkit.lexers import PygmentsLexer
from pygments.lexers.sql import PostgresLexer

from proxyctl.shell.lines import finished, keeps_secret

if TYPE_CHECKING:
    from proxyctl.shell.repl import Repl

KEYWORDS = (
    "all",
    "alter",
    "analyze",
    "and",
    "as",
    "avg",
    "begin",
    "between",
    "by",
    "case",
    "commit",
    "count",
    "create",
    "cross",
    "current_user",
    "delete",
    "distinct",
    "drop",
    "else",
    "end",
    "except",
    "exists",
    "explain",
    "from",
    "full",
    "grant",
    "group",
    "having",
    "ilike",
    "in",
    "index",
    "inner",
    "insert",
    "intersect",
    "into",
    "is",
    "join",
    "left",
    "like",
    "limit",
    "max",
    "min",
    "not",
    "now",
    "null",
    "offset",
    "on",
    "or",
    "order",
    "outer",
    "returning",
    "revoke",
    "right",
    "rollback",
    "schema",
    "select",
    "sequence",
    "set",
    "sum",
    "table",
    "then",
    "truncate",
    "union",
    "update",
    "using",
    "vacuum",
    "values",
    "view",
    "when",
    "where",
    "with",
)


class PrivateHistory(FileHistory):
    """History in a 0600 file that never keeps a statement carrying a password."""

    def store_string(self, string: str) -> None:
        if not keeps_secret(string):
            super().store_string(string)


class SqlCompleter(Completer):
    """Keywords, and schema, table and column names from the session's catalog query."""

    def __init__(self, repl: Repl) -> None:
        self.repl = repl

    def get_completions(self, document: Document, event: CompleteEvent) -> Iterable[Completion]:
        word = document.get_word_before_cursor(WORD=True)
        if not word or word.startswith("\\"):
            return
        lower = word.lower()
        names = [*KEYWORDS, *self.repl.completions()]
        for name in names:
            if name.lower().startswith(lower) and name != word:
                yield Completion(name, start_position=-len(word))


def _bindings() -> KeyBindings:
    keys = KeyBindings()

    @keys.add("enter")
    def _enter(event: Any) -> None:
        buffer = event.current_buffer
        if finished(buffer.text):
            buffer.validate_and_handle()
        else:
            buffer.insert_text("\n")

    return keys


def make_session(repl: Repl, history: Path) -> PromptSession[str]:
    return PromptSession(
        history=PrivateHistory(str(history)),
        lexer=PygmentsLexer(PostgresLexer),
        completer=SqlCompleter(repl),
        key_bindings=_bindings(),
        multiline=True,
        prompt_continuation=lambda width, line, soft: "-> ".rjust(width),
        enable_history_search=False,
    )
