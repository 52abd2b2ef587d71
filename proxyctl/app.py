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
    """Questions that each have a flag: with prompts off, a missing answer names it.

    Every prompt goes through one of these, so that tests can answer them all
    (tests/answers.py) and a run without prompts fails naming the flag to pass.
    """

    def select(
        self, flag: str, question: str, choices: list[tuple[str, str]], default: str | None
    ) -> str: ...
    def text(self, flag: str, question: str, default: str, check: Check) -> str: ...
    def confirm(self, flag: str, question: str, default: bool) -> bool: ...
    def password(self, flag: str, question: str) -> str:
        """A new password, typed twice and hidden."""
        ...

    def secret(self, flag: str, question: str) -> str:
        """An existing password, typed once and hidden."""
        ...

    def typed(self, flag: str, question: str, expected: str, *, action: str = "this") -> bool:
        """Whether the user typed EXPECTED: a confirmation that Enter alone cannot give.

        With prompts off it fails: ACTION (`destroy orders`) needs FLAG (`--yes`).
        """
        ...


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
