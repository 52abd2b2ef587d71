"""Old spellings of options: accepted by the parser, refused with the new name."""

# No `from __future__ import annotations`: Typer reads these annotations at start-up.
from typing import Any

import typer

from proxyctl.errors import UsageError


def renamed(old: str, new: str, takes_value: bool = True) -> Any:
    """A hidden option for OLD: using it fails (exit 2) naming NEW.

    Declare it as `_old: Annotated[str | None, renamed("--cluster", "--db-cluster")] = None`.
    """

    def refuse(value: object) -> None:
        if value not in (None, False):
            raise UsageError(f"{old} is now {new}.", hint=f"Use {new} instead.", field=old)

    return typer.Option(
        old, hidden=True, callback=refuse, is_flag=not takes_value or None, expose_value=False
    )
