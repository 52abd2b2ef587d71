"""Every command: its name, where it lives and one line of help.

`proxyctl --help` lists the commands from here without importing them; a
command's module is imported only when that command runs, completes or shows
its help. tests/cli/test_help.py checks each line against the command itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, MutableMapping
from typing import Any, NamedTuple


class Entry(NamedTuple):  # not a dataclass: `proxyctl --help` reads these
    module: str
    attribute: str  # a command function, or a typer.Typer for a command with subcommands
    help: str  # the first line of the command's help


COMMANDS: dict[str, Entry] = {
    "init": Entry(
        "proxyctl.cli.init",
        "init",
        "Create an RDS Proxy for a PostgreSQL database: plan, confirm, apply, wait.",
    ),
    "check": Entry(
        "proxyctl.cli.check",
        "check",
        "Test the way to the database phase by phase and say what to fix.",
    ),
    "connect": Entry(
        "proxyctl.cli.connect",
        "connect",
        "Open a SQL shell through the proxy, with a fresh token on every (re)connect.",
    ),
    "failover-test": Entry(
        "proxyctl.cli.failover",
        "failover_test",
        "Run a failover drill and measure each endpoint's downtime, proxy against direct.",
    ),
    "destroy": Entry(
        "proxyctl.cli.destroy",
        "destroy",
        "Delete the RDS proxy NAME and what `proxyctl init` created for it.",
    ),
    "grant": Entry(
        "proxyctl.cli.grant",
        "grant",
        "Let an application's IAM role connect through the proxy with IAM auth.",
    ),
    "status": Entry(
        "proxyctl.cli.status",
        "status",
        "Show the region's proxies, or one proxy's settings, health and metrics.",
    ),
    "token": Entry(
        "proxyctl.cli.token", "app", "Make an IAM auth token for a proxy (valid 15 minutes)."
    ),
    "pinning": Entry(
        "proxyctl.cli.pinning",
        "pinning",
        "Find the statements that pin sessions to one database connection, and the fix.",
    ),
    "load": Entry(
        "proxyctl.cli.load",
        "load",
        "Run a Lambda-style connection storm and count the database connections it used.",
    ),
    "advise": Entry(
        "proxyctl.cli.advise",
        "advise",
        "Say whether a database would gain from an RDS proxy, why, and what it would cost.",
    ),
    "lab": Entry(
        "proxyctl.cli.lab",
        "app",
        "Run a local stand-in for AWS and the database: every command, no AWS account.",
    ),
    "config": Entry(
        "proxyctl.cli.config_cmd", "app", "Show the settings in force and their sources."
    ),
}


def load(name: str) -> Any:
    """The click command NAME, built from its module (imported now)."""
    import importlib

    import typer

    entry = COMMANDS[name]
    found = getattr(importlib.import_module(entry.module), entry.attribute)
    command: Any
    if isinstance(found, typer.Typer):
        found.rich_markup_mode = None  # as the root's: plain help, no rich import
        command = typer.main.get_group(found)
    else:
        single = typer.Typer(rich_markup_mode=None)
        single.command(name)(found)
        command = typer.main.get_command(single)
    command.name = name
    return command


class LazyCommands(MutableMapping[str, Any]):
    """The root's commands by name, each loaded on first use and then kept."""

    def __init__(self, prepare: Callable[[Any], None]) -> None:
        self._loaded: dict[str, Any] = {}
        self._prepare = prepare

    def __getitem__(self, name: str) -> Any:
        if name not in self._loaded:
            if name not in COMMANDS:
                raise KeyError(name)
            command = load(name)
            self._prepare(command)
            self._loaded[name] = command
        return self._loaded[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        del self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*COMMANDS, *self._loaded]))

    def __len__(self) -> int:
        return len(set(COMMANDS) | set(self._loaded))

    def __contains__(self, name: object) -> bool:
        return name in COMMANDS or name in self._loaded


# Options that a config file may not set: they act once, on this run only.
NOT_CONFIGURABLE = {"help", "version", "context", "yes", "install_completion", "show_completion"}


def config_keys(command: Any) -> dict[str, str]:
    """The config key (long flag name) and parameter name of each option of `command` and
    the commands below it; hidden old spellings (renamed) are not keys."""
    from proxyctl.config import option_key

    found: dict[str, str] = {}
    for param in command.params:
        key = option_key(param.opts) if param.param_type_name == "option" else None
        if key and key not in NOT_CONFIGURABLE and param.expose_value:
            found[key] = param.name
    for sub in getattr(command, "commands", {}).values():
        found.update(config_keys(sub))
    return found


def index_text() -> str:
    """The text of option_index.py, from the commands themselves (this imports them all)."""
    keys = {name: config_keys(load(name)) for name in COMMANDS}
    aliases = {p: k for found in keys.values() for k, p in found.items() if p != k}
    lines = [
        '"""Each command\'s config keys, so that a config file is checked without importing',
        "every command. Made by `python -m proxyctl.cli.registry > proxyctl/cli/option_index.py`;",
        'tests/cli/test_help.py fails when it is out of date."""',
        "",
        "KEYS: dict[str, tuple[str, ...]] = {",
        *(f"    {name!r}: {tuple(sorted(found))!r}," for name, found in keys.items()),
        "}",
        "# Parameter names that differ from their flag's: `fmt = ...` means `format`.",
        f"ALIASES: dict[str, str] = {dict(sorted(aliases.items()))!r}",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(index_text(), end="")
