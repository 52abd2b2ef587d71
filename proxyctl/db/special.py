"""The `\\d` family through pgspecial (the `shell` extra), on the shell's connection.

pgspecial sends no SET and runs its catalog queries on the cursor it is given."""

from __future__ import annotations

from typing import Any

from proxyctl.db.session import Answer, StatementError


class Missing(Exception):
    """pgspecial is not installed."""


class Unknown(Exception):
    """Neither the shell nor pgspecial knows the command."""


def run(conn: Any, command: str) -> list[Answer]:
    try:
        from pgspecial.main import CommandNotFound, PGSpecial
    except ImportError:
        raise Missing from None
    import psycopg

    answers = []
    try:
        with conn.cursor() as cur:
            for _title, rows, headers, status in PGSpecial().execute(cur, command):
                answer = Answer(tag=status or "")
                if headers:
                    answer.columns = list(headers)
                    answer.types = ["text"] * len(headers)
                    answer.rows = [tuple(r) for r in rows or []]
                answers.append(answer)
    except CommandNotFound:
        raise Unknown from None
    except psycopg.Error as exc:
        answers.append(Answer(error=StatementError(" ".join(str(exc).split()))))
    except Exception as exc:  # pgspecial's own refusals (an unknown command)
        answers.append(Answer(error=StatementError(str(exc))))
    return answers
