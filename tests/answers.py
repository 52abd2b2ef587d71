"""Scripted answers for the questions a command asks through `App.ask`."""

from __future__ import annotations

from typing import Any

from proxyctl.app import App
from proxyctl.config import Settings


class ScriptedAsker:
    """Answers questions by flag, as a user at the terminal would; records what was asked.

    An unscripted question takes its default, as Enter would.
    """

    def __init__(self, answers: dict[str, Any] | None = None) -> None:
        self.answers = dict(answers or {})
        self.asked: list[str] = []

    def _answer(self, flag: str, default: Any) -> Any:
        self.asked.append(flag)
        return self.answers.get(flag, default)

    def select(
        self, flag: str, question: str, choices: list[tuple[str, str]], default: str | None
    ) -> str:
        answer = self._answer(flag, default)
        assert answer in [value for value, _ in choices], (flag, answer, choices)
        return str(answer)

    def text(self, flag: str, question: str, default: str, check: Any) -> str:
        answer = str(self._answer(flag, default))
        check(answer)  # the same inline validation the prompt runs
        return answer

    def confirm(self, flag: str, question: str, default: bool) -> bool:
        return bool(self._answer(flag, default))

    def password(self, flag: str, question: str) -> str:
        return str(self._answer(flag, ""))

    def typed(self, flag: str, question: str, expected: str) -> bool:
        return str(self._answer(flag, "")) == expected


class NoProgress:
    """Progress that shows nothing (the flows' step and wait lines)."""

    def __init__(self) -> None:
        self.steps: list[str] = []

    def step(self, number: int, total: int, summary: str) -> None:
        self.steps.append(summary)

    def report(self, message: str) -> None:
        pass


def scripted_app(settings: Settings, answers: dict[str, Any] | None = None, **kw: Any) -> App:
    """An App whose questions are answered from ANSWERS (flag -> answer)."""
    return App(settings, ScriptedAsker(answers), **kw)
