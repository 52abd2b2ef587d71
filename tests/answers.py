"""Scripted answers for every prompt: an Asker that answers by flag, as a user would.

    answers = Answers({"--user": "app", "--yes": "orders"})

A question whose flag has no answer fails the test at once, naming the flag and
the question: a prompt the test did not expect is a change in behaviour.
`ENTER` takes the prompt's default; `CTRL_C` interrupts, as Ctrl-C does at a
prompt. `asked` records every question, in order, as (flag, question).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from proxyctl.app import App
from proxyctl.config import Settings
from proxyctl.errors import ProxyctlError

ENTER = object()  # Enter on its own: the prompt's default
CTRL_C = object()  # Ctrl-C at the prompt


class UnexpectedQuestion(BaseException):
    """Not an Exception: proxyctl's handler would report it as a bug (exit 1) and the
    test would only see an exit code; this way it fails the test where it was asked."""


class Answers:
    """An Asker (proxyctl.app.Asker) with the answers given up front, keyed by flag."""

    def __init__(self, answers: Mapping[str, Any], *, rest: Any = None) -> None:
        """REST: the answer to a question ANSWERS does not name (ENTER: take its default,
        as a user pressing Enter would); None, the default, fails the test instead."""
        self.answers = dict(answers)
        self.rest = rest
        self.asked: list[tuple[str, str]] = []

    @property
    def flags(self) -> list[str]:
        """The flags asked for, in order."""
        return [flag for flag, _ in self.asked]

    def _answer(self, flag: str, question: str, default: Any = ENTER) -> Any:
        self.asked.append((flag, question))
        if flag not in self.answers and self.rest is None:
            raise UnexpectedQuestion(
                f"unexpected question for {flag}: {question!r} (answers given for: "
                f"{', '.join(self.answers) or 'none'})"
            )
        answer = self.answers.get(flag, self.rest)
        if answer is CTRL_C:
            raise KeyboardInterrupt
        if answer is ENTER:
            if default is ENTER:
                raise UnexpectedQuestion(f"{flag}: {question!r} has no default to take")
            return default
        return answer

    def select(
        self, flag: str, question: str, choices: list[tuple[str, str]], default: str | None
    ) -> str:
        answer = self._answer(flag, question, default)
        offered = [value for value, _ in choices]
        if answer not in offered:
            raise UnexpectedQuestion(f"{flag}: {answer!r} is not one of {offered}")
        return str(answer)

    def text(self, flag: str, question: str, default: str, check: Callable[[str], object]) -> str:
        answer = str(self._answer(flag, question, default))
        try:
            check(answer)  # the prompt would refuse it inline and ask again
        except ProxyctlError as exc:
            raise UnexpectedQuestion(f"{flag}: the prompt refuses {answer!r}: {exc}") from None
        return answer

    def confirm(self, flag: str, question: str, default: bool) -> bool:
        answer = self._answer(flag, question, default)
        if not isinstance(answer, bool):
            raise UnexpectedQuestion(f"{flag}: {question!r} takes True or False, not {answer!r}")
        return answer

    def password(self, flag: str, question: str) -> str:
        return str(self._answer(flag, question))

    def secret(self, flag: str, question: str) -> str:
        return str(self._answer(flag, question))

    def typed(self, flag: str, question: str, expected: str, *, action: str = "this") -> bool:
        return str(self._answer(flag, question)).strip() == expected


class NoProgress:
    """Progress that shows nothing (the flows' step and wait lines)."""

    def __init__(self) -> None:
        self.steps: list[str] = []

    def step(self, number: int, total: int, summary: str) -> None:
        self.steps.append(summary)

    def report(self, message: str) -> None:
        pass


def scripted_app(settings: Settings, answers: Mapping[str, Any] | None = None, **kw: Any) -> App:
    """An App whose questions are answered from ANSWERS (flag -> answer); any other
    question takes its default, as Enter would."""
    return App(settings, Answers(answers or {}, rest=ENTER), **kw)
