"""What the prompt reads (pure): when Enter sends the text, and what history keeps."""

from __future__ import annotations

from proxyctl import sqltext

QUIT = ("\\q", "\\quit", "quit", "exit")


def finished(text: str) -> bool:
    """Enter sends TEXT: empty, a backslash command, quit/exit, or ending with `;`."""
    stripped = text.strip()
    return (
        not stripped or stripped.startswith("\\") or stripped in QUIT or sqltext.is_complete(text)
    )


def keeps_secret(text: str) -> bool:
    """A statement that carries a password (CREATE/ALTER ROLE ... PASSWORD): history
    does not keep it."""
    return any(t.kind == "word" and t.text.lower() == "password" for t in sqltext.tokens(text))
