"""Prompts that each have a flag: with prompts off, a missing answer names the flag.

`Prompter` asks on the terminal (questionary); `Defaults` answers for it when
prompting is off. Both are an `Asker`, so the wizard is written once.
"""

from __future__ import annotations

from collections.abc import Callable

from proxyctl.app import Asker, Check
from proxyctl.config import Settings
from proxyctl.errors import ProxyctlError, UsageError


def inline_check(check: Callable[[str], object]) -> Callable[[str], bool | str]:
    """A questionary validator from a check that raises: the error's message shows inline."""

    def run(answer: str) -> bool | str:
        try:
            check(answer)
        except ProxyctlError as exc:
            return exc.message
        return True

    return run


def ask_text(settings: Settings, flag: str, question: str, check: Callable[[str], object]) -> str:
    """Ask for the value of FLAG, or fail naming it when prompting is off."""
    if settings.no_input:
        raise UsageError(
            f"{flag} is required.",
            hint=f"Pass {flag}, or set it in the config file "
            f"(prompts are off: {settings.prompts_off_because}).",
            field=flag,
        )
    import questionary

    answer = questionary.text(question, validate=inline_check(check)).unsafe_ask()
    return str(answer)


class Prompter:
    """Questions on the terminal (questionary); Ctrl-C raises KeyboardInterrupt."""

    def select(
        self, flag: str, question: str, choices: list[tuple[str, str]], default: str | None
    ) -> str:
        import questionary

        options = [questionary.Choice(title=label, value=value) for value, label in choices]
        # questionary raises on a default that is not a choice; None highlights the first.
        known = default if default in {value for value, _ in choices} else None
        return str(questionary.select(question, choices=options, default=known).unsafe_ask())

    def text(self, flag: str, question: str, default: str, check: Check) -> str:
        import questionary

        return str(
            questionary.text(question, default=default, validate=inline_check(check)).unsafe_ask()
        )

    def confirm(self, flag: str, question: str, default: bool) -> bool:
        import questionary

        return bool(questionary.confirm(question, default=default).unsafe_ask())

    def password(self, flag: str, question: str, repeat: bool = True) -> str:
        import questionary

        if not repeat:
            return str(questionary.password(question).unsafe_ask())
        while True:  # a typo asks again: the answers before it are kept
            first = questionary.password(question, validate=inline_check(_not_empty)).unsafe_ask()
            again = questionary.password("Repeat it:").unsafe_ask()
            if first == again:
                return str(first)
            questionary.print("The two passwords differ: type it again.")

    def typed(self, flag: str, question: str, expected: str) -> bool:
        """A confirmation that needs EXPECTED typed out (a name), not a reflex yes."""
        import questionary

        return str(questionary.text(question).unsafe_ask() or "").strip() == expected


def _not_empty(value: str) -> None:
    if not value:
        raise UsageError("the password is empty.")


class Defaults:
    """Prompting is off: take the default, or fail naming the flag when there is none."""

    def __init__(self, why: str) -> None:
        self.why = why

    def _missing(self, flag: str, question: str) -> UsageError:
        return UsageError(
            f"{flag} is required: {question.rstrip(':?')}.",
            hint=f"Pass {flag} (prompts are off: {self.why}).",
            field=flag,
        )

    def select(
        self, flag: str, question: str, choices: list[tuple[str, str]], default: str | None
    ) -> str:
        if default:
            return default
        raise self._missing(flag, question)

    def text(self, flag: str, question: str, default: str, check: Check) -> str:
        if default:
            return default
        raise self._missing(flag, question)

    def confirm(self, flag: str, question: str, default: bool) -> bool:
        return default

    def password(self, flag: str, question: str, repeat: bool = True) -> str:
        raise self._missing(flag, question)

    def typed(self, flag: str, question: str, expected: str) -> bool:
        raise self._missing(flag, question)


def make_asker(settings: Settings) -> Asker:
    if settings.no_input:
        return Defaults(settings.prompts_off_because)
    return Prompter()
