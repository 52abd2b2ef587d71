"""The App: what a command hands to the code it runs.

One object, passed as Typer's context object: the resolved settings, the output
channels (stdout for the result, stderr for the rest), `ask` for every question
(so every interactive branch can be driven by scripted answers), and the AWS
clients, made on first use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from proxyctl import output
from proxyctl.config import Settings

if TYPE_CHECKING:
    from proxyctl.aws.clients import Clients

Check = Callable[[str], object]


class Asker(Protocol):
    """Questions that each have a flag: with prompts off, a missing answer names it."""

    def select(
        self, flag: str, question: str, choices: list[tuple[str, str]], default: str | None
    ) -> str: ...
    def text(self, flag: str, question: str, default: str, check: Check) -> str: ...
    def confirm(self, flag: str, question: str, default: bool) -> bool: ...
    # repeat: a new password is typed twice; a sign-in password once.
    def password(self, flag: str, question: str, repeat: bool = True) -> str: ...
    def typed(self, flag: str, question: str, expected: str) -> bool: ...


@dataclass
class App:
    settings: Settings
    ask: Asker
    _clients: Clients | None = field(default=None, repr=False)

    @property
    def json(self) -> bool:
        return self.settings.json

    @property
    def clients(self) -> Clients:
        """The AWS clients, made on first use (boto3 is imported only then)."""
        if self._clients is None:
            from proxyctl.aws.clients import Clients

            self._clients = Clients(self.settings)
        return self._clients

    def emit(self, result: output.Result) -> None:
        output.emit(result, self.settings.json)

    def warn(self, message: str) -> None:
        output.warn(message)

    def note(self, text: str) -> None:
        output.note(text)
