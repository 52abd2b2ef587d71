"""Prompts that each have a flag: with prompts off, a missing answer names the flag."""

from __future__ import annotations

from collections.abc import Callable

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
