"""Old spellings of options: refused with the new name, on the command line and in the
config file alike.

RENAMED is the one list: `renamed()` declares the hidden option that refuses an old
flag, and the config check refuses the old key (`cluster = ...` in the file) with
the same message.
"""

# No `from __future__ import annotations`: Typer reads these annotations at start-up.
from typing import Any

import typer

from proxyctl.errors import UsageError

# command -> old flag -> the flags that replace it.
RENAMED: dict[str, dict[str, tuple[str, ...]]] = {
    "init": {"--database": ("--db-cluster", "--db-instance")},
    "failover-test": {"--cluster": ("--db-cluster",)},
}


def new_spelling(old: str) -> str:
    """What replaces the flag OLD, in words: `--db-cluster or --db-instance`."""
    found = {new for table in RENAMED.values() for flag, new in table.items() if flag == old}
    if len(found) != 1:
        raise LookupError(f"{old} is renamed {len(found)} ways in RENAMED: pass the new name")
    return " or ".join(found.pop())


def renamed(old: str, new: str | None = None, takes_value: bool = True) -> Any:
    """A hidden option for OLD: using it fails (exit 2) naming what replaces it.

    Declare it as `_old: Annotated[str | None, renamed("--cluster")] = None`, with
    the command's entry in RENAMED.
    """
    instead = new or new_spelling(old)

    def refuse(value: object) -> None:
        if value not in (None, False):
            raise UsageError(f"{old} is now {instead}.", hint=f"Use {instead} instead.", field=old)

    return typer.Option(
        old, hidden=True, callback=refuse, is_flag=not takes_value or None, expose_value=False
    )
