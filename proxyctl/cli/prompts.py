"""Prompts that each have a flag: with prompts off, a missing answer names the flag.

`Prompter` asks on the terminal (questionary); `Defaults` answers for it when
prompting is off. Both are an `Asker`, so the wizard is written once.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

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


class Prompter:
    """Questions on the terminal (questionary); Ctrl-C raises KeyboardInterrupt."""

    def select(
        self, flag: str, question: str, choices: list[tuple[str, str]], default: str | None
    ) -> str:
        import questionary

        options = [questionary.Choice(title=label, value=value) for value, label in choices]
        # questionary raises on a default that is not a choice; None highlights the first.
        known = default if default in {value for value, _ in choices} else None
        return str(
            questionary.select(
                question, choices=options, default=known, output=_stderr()
            ).unsafe_ask()
        )

    def text(self, flag: str, question: str, default: str, check: Check) -> str:
        import questionary

        return str(
            questionary.text(
                question, default=default, validate=inline_check(check), output=_stderr()
            ).unsafe_ask()
        )

    def confirm(self, flag: str, question: str, default: bool) -> bool:
        import questionary

        return bool(questionary.confirm(question, default=default, output=_stderr()).unsafe_ask())

    def password(self, flag: str, question: str) -> str:
        import questionary

        while True:  # a typo asks again: the answers before it are kept
            first = questionary.password(
                question, validate=inline_check(_not_empty), output=_stderr()
            ).unsafe_ask()
            again = questionary.password("Repeat it:", output=_stderr()).unsafe_ask()
            if first == again:
                from proxyctl.logs import remember_secret

                return remember_secret(str(first))
            questionary.print("The two passwords differ: type it again.", file=sys.stderr)

    def secret(self, flag: str, question: str) -> str:
        import questionary

        from proxyctl.logs import remember_secret  # masked in --debug logs from now on

        return remember_secret(
            str(questionary.password(question, output=_stderr()).unsafe_ask() or "")
        )

    def typed(self, flag: str, question: str, expected: str, *, action: str = "this") -> bool:
        import questionary

        return (
            str(questionary.text(question, output=_stderr()).unsafe_ask() or "").strip() == expected
        )


def _stderr() -> Any:
    """The questions go to stderr, the terminal: stdout keeps only the result, also when
    it is redirected to a file (`proxyctl --output json ... > out.json`)."""
    from prompt_toolkit.output import create_output

    return create_output(stdout=sys.stderr)


def _not_empty(value: str) -> None:
    if not value:
        raise UsageError("the password is empty.")


class Defaults:
    """Prompting is off: take the default, or fail naming the flag when there is none."""

    def __init__(self, why: str) -> None:
        self.why = why

    def _missing(self, flag: str, question: str) -> UsageError:
        if flag.startswith("-"):
            how = f"Pass {flag}, or set it in the config file"
        else:  # an environment variable, such as PGPASSWORD
            how = f"Set {flag} in the environment"
        return UsageError(
            f"{flag} is required.", hint=f"{how} (prompts are off: {self.why}).", field=flag
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

    def password(self, flag: str, question: str) -> str:
        raise self._missing(flag, question)

    def secret(self, flag: str, question: str) -> str:
        raise self._missing(flag, question)

    def typed(self, flag: str, question: str, expected: str, *, action: str = "this") -> bool:
        raise UsageError(
            f"{action} needs confirmation: pass {flag}.",
            hint=f"{flag} confirms without asking (prompts are off: {self.why}).",
            field=flag,
        )


def make_asker(settings: Settings) -> Asker:
    if settings.no_input:
        return Defaults(settings.prompts_off_because)
    return Prompter()
