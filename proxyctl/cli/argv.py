"""Global options anywhere on the command line, as the AWS CLI takes them.

`proxyctl token --host H --region eu-west-1` means `proxyctl --region eu-west-1
token --host H`: a global option given after the command is moved in front of
it before the command line is parsed, so that it has the same precedence as
one given before (a flag, and the later of two flags wins).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# The root options that may follow the command (--version and --help may not:
# after a command, --help is that command's help).
MOVABLE = ("profile", "region", "endpoint_url", "output", "no_input", "yes", "debug", "context")


def _option_names(command: Any) -> dict[str, Any]:
    """Each option string of `command` (`--user`, `-y`, `--no-print`) and its parameter."""
    names: dict[str, Any] = {}
    for param in command.params:
        if param.param_type_name == "option":
            for opt in (*param.opts, *param.secondary_opts):
                names[opt] = param
    return names


def _values_after(param: Any, token: str) -> int:
    """How many of the following tokens are the option's value."""
    if param.is_flag or param.count or (token.startswith("--") and "=" in token):
        return 0
    return int(param.nargs)


class CommandLine:
    """The command line split: root options, then the command and its arguments.

    A plain class, not a dataclass: `proxyctl --help` passes here, and importing
    dataclasses costs it a few percent.
    """

    def __init__(self) -> None:
        self.root: list[str] = []
        self.moved: list[str] = []
        self.command: list[str] = []

    def args(self) -> list[str]:
        # After the root options, so that the later of two flags wins as before.
        return [*self.root, *self.moved, *self.command]


def split(root_command: Any, args: list[str]) -> CommandLine:
    """Find the command, and the global options given after it."""
    line = CommandLine()
    own = _option_names(root_command)
    i = 0
    while i < len(args) and args[i].startswith("-") and args[i] != "--":
        param = own.get(args[i].split("=", 1)[0])
        take = 1 + (_values_after(param, args[i]) if param is not None else 0)
        line.root += args[i : i + take]
        i += take
    movable = {opt: p for opt, p in own.items() if p.name in MOVABLE}
    command = getattr(root_command, "commands", {}).get(args[i]) if i < len(args) else None
    if command is None:  # no command, or an unknown one: click reports it as it was typed
        line.root += args[i:]
        return line
    line.command, rest = [args[i]], args[i + 1 :]
    _move(command, rest, movable, line)
    return line


def _move(command: Any, rest: list[str], movable: Mapping[str, Any], line: CommandLine) -> None:
    own = _option_names(command)
    j = 0
    while j < len(rest):
        token = rest[j]
        name = token.split("=", 1)[0] if token.startswith("--") else token
        if token == "--":  # everything after it is an argument
            line.command += rest[j:]
            return
        if (
            name in own
        ):  # the command's own option (and its value) stays, even if a root one shares its name
            take = 1 + _values_after(own[name], token)
            line.command += rest[j : j + take]
        elif name in movable:
            take = 1 + _values_after(movable[name], token)
            line.moved += rest[j : j + take]
        elif token in getattr(command, "commands", {}):  # a group's subcommand
            command = command.commands[token]
            own = _option_names(command)
            line.command.append(token)
            take = 1
        else:
            line.command.append(token)
            take = 1
        j += take


def given_output(line: CommandLine, env: Mapping[str, str]) -> tuple[str | None, str | None]:
    """--output and --context as typed or from the environment, before parsing.

    Errors that click finds while parsing (an unknown command, a missing one) are
    reported before the root callback has read the settings; this tells the
    handler whether the user asked for JSON.
    """
    found: dict[str, str] = {}
    tokens = [*line.root, *line.moved]
    for k, token in enumerate(tokens):
        for opt in ("--output", "--context"):
            if token == opt and k + 1 < len(tokens):
                found[opt] = tokens[k + 1]
            elif token.startswith(opt + "="):
                found[opt] = token.split("=", 1)[1]
    output = found.get("--output") or env.get("PROXYCTL_OUTPUT") or None
    context = found.get("--context") or env.get("PROXYCTL_CONTEXT") or None
    return output, context
