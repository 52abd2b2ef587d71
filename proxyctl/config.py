"""Settings from flag > environment > config file > built-in default.

The config file is TOML: a `[default]` table and named tables (contexts) chosen
with `--context`. A context's values sit on top of `[default]`. Keys are the
long option names as typed on the command line, with `-` or `_`: `region`,
`endpoint-url`, `user`, `format`, `print`...

A table may hold a table per command (`[default.init]`, `[lab.check]`) beside
its shared keys: there a key means that command's option, and wins over the
same shared key. A shared key that the running command does not have is left
to the commands that do; a key that no command has is an error.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from proxyctl.config_path import CONFIG_ENV, config_path
from proxyctl.errors import UsageError

DEFAULT_TABLE = "default"
OUTPUT_FORMATS = ("text", "json")
# CI=false (or 0, no, off, empty) is how a pipeline says it is not one.
NOT_CI = ("", "0", "false", "no", "off")


@dataclass
class Settings:
    """The global options, resolved, with where each value came from."""

    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    output: str = "text"
    no_input: bool = True
    yes: bool = False
    debug: bool = False
    context: str | None = None
    config_path: Path | None = None
    sources: dict[str, str] = field(default_factory=dict)
    # The merged config table for the running command (shared keys, then its own
    # table's), and where each value came from.
    table: dict[str, Any] = field(default_factory=dict)
    table_sources: dict[str, str] = field(default_factory=dict)
    # Every per-command table, merged over the contexts: command -> key -> (value, origin).
    command_tables: dict[str, dict[str, tuple[Any, str]]] = field(default_factory=dict)

    @property
    def json(self) -> bool:
        return self.output == "json"

    @property
    def prompts_off_because(self) -> str:
        """Why prompting is off, in the user's words: --no-input, an env var, CI..."""
        source = self.sources.get("no_input", "flag")
        return "--no-input" if source == "flag" else source

    @property
    def named_profile(self) -> str | None:
        """The profile to name to botocore.

        None when it came from AWS_PROFILE: botocore reads that itself and then,
        like the AWS CLI, lets AWS_ACCESS_KEY_ID in the environment win. A profile
        from --profile or the config file is named, and so wins.
        """
        if self.sources.get("profile", "").startswith("env "):
            return None
        return self.profile


def default_config_path() -> Path:
    return Path(config_path())


def _key(name: str) -> str:
    return name.replace("-", "_")


def option_key(opts: Iterable[str]) -> str | None:
    """The config key of an option: its first long flag name (`--format` -> `format`)."""
    longs = [opt for opt in opts if opt.startswith("--")]
    return _key(longs[0][2:]) if longs else None


@dataclass
class ConfigFile:
    path: Path
    tables: dict[str, dict[str, Any]]  # table -> shared key -> value
    exists: bool
    # table -> command -> key -> value, from [default.init] and the like.
    commands: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)


@dataclass(frozen=True)
class Commands:
    """What the config check knows of the commands, without importing them all."""

    names: Collection[str]
    running: str | None = None
    own: Mapping[str, str] = field(default_factory=dict)  # the running command's key -> param
    others: Mapping[str, Collection[str]] = field(default_factory=dict)  # command -> its keys
    renamed: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    aliases: Mapping[str, str] = field(default_factory=dict)  # parameter name -> key

    def anyone_has(self, key: str) -> bool:
        return key in self.own or any(key in keys for keys in self.others.values())

    def new_name(self, key: str) -> tuple[str, ...] | None:
        """What replaces an old key: the running command's rename first, then any."""
        tables = [self.renamed.get(self.running or ""), *self.renamed.values()]
        return next((table[key] for table in tables if table and key in table), None)


def read_config(path: Path) -> ConfigFile:
    """Parse the file; a missing file is an empty one."""
    if not path.exists():
        return ConfigFile(path, {}, exists=False)
    import tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(
            f"config file {path} is not valid TOML: {exc}",
            hint=f"Fix the file, or point {CONFIG_ENV} at another one.",
            field="config file",
        ) from None
    except OSError as exc:
        raise UsageError(f"config file {path} cannot be read: {exc.strerror}.") from None
    found = ConfigFile(path, {}, exists=True)
    for name, table in data.items():
        if not isinstance(table, dict):
            raise UsageError(
                f"config file {path}: {name!r} is a value outside any table.",
                hint=f"Put settings under [{DEFAULT_TABLE}] or a named context such as [lab].",
                field=name,
            )
        shared = {_key(k): v for k, v in table.items() if not isinstance(v, dict)}
        found.tables[name] = shared
        found.commands[name] = {
            command: _command_table(path, f"{name}.{command}", keys)
            for command, keys in table.items()
            if isinstance(keys, dict)
        }
    return found


def _command_table(path: Path, where: str, table: dict[str, Any]) -> dict[str, Any]:
    for key, value in table.items():
        if isinstance(value, dict):
            raise UsageError(
                f"config file {path}: [{where}.{key}] is a table inside a command's table.",
                hint=f"Put {key}'s settings in [{where}] itself, or in a table of its own.",
                field=f"[{where}.{key}]",
            )
    return {_key(k): v for k, v in table.items()}


def output_in_file(context: str | None) -> str | None:
    """The `output` the config file sets for this context, read leniently.

    For reporting errors found before the settings are read (a bad file is
    reported properly later).
    """
    try:
        tables = read_config(default_config_path()).tables
    except UsageError:
        return None
    for name in (context, DEFAULT_TABLE):
        value = tables.get(name or DEFAULT_TABLE, {}).get("output")
        if isinstance(value, str):
            return value
    return None


def select_tables(
    config: ConfigFile, context: str | None, commands: Commands
) -> tuple[dict[str, Any], dict[str, str]]:
    """Merge [default] and the context's table, each with the running command's table.

    Return the values and their origins. Later wins: [default], [default.CMD],
    [CONTEXT], [CONTEXT.CMD].
    """
    if context is not None and context not in config.tables:
        defined = ", ".join(sorted(config.tables)) or "none"
        where = f"in {config.path}" if config.exists else f"(no config file at {config.path})"
        raise UsageError(
            f"--context: no context {context!r} {where}.",
            hint=f"Contexts defined: {defined}. Add a [{context}] table or choose another.",
            field="--context",
        )
    check_keys(config, commands)
    merged: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for name in dict.fromkeys([DEFAULT_TABLE, context or DEFAULT_TABLE]):
        layers = [(name, config.tables.get(name, {}))]
        if commands.running is not None:
            own = config.commands.get(name, {}).get(commands.running, {})
            layers.append((f"{name}.{commands.running}", own))
        for where, table in layers:
            for key, value in table.items():
                merged[key] = value
                origins[key] = f"config {config.path} [{where}]"
    return merged, origins


def command_tables(
    config: ConfigFile, context: str | None
) -> dict[str, dict[str, tuple[Any, str]]]:
    """Each command's own table, [default.CMD] under [CONTEXT.CMD], with origins."""
    found: dict[str, dict[str, tuple[Any, str]]] = {}
    for name in dict.fromkeys([DEFAULT_TABLE, context or DEFAULT_TABLE]):
        for command, table in config.commands.get(name, {}).items():
            origin = f"config {config.path} [{name}.{command}]"
            found.setdefault(command, {}).update({k: (v, origin) for k, v in table.items()})
    return found


def check_keys(config: ConfigFile, commands: Commands) -> None:
    """Every table, selected or not (a typo in [prod] should not wait until the day
    someone runs with --context prod): a shared key some command has, a per-command
    table of a command that exists and, for the running command, its own keys."""
    mine = {*GLOBAL_KEYS, *SHARED_KEYS, *commands.own}
    everyone = mine.union(*commands.others.values())
    for name, table in config.tables.items():
        for key in table:
            if key not in everyone:
                raise _refused(config.path, name, key, commands, everyone)
    for name, tables in config.commands.items():
        for command, table in tables.items():
            if command not in commands.names:
                raise _no_such_command(config.path, name, command, commands.names)
            if command != commands.running:
                continue  # checked when that command runs: its options are not loaded
            for key in table:
                if key not in mine:
                    raise _refused(config.path, f"{name}.{command}", key, commands, mine)


def _refused(path: Path, where: str, key: str, commands: Commands, known: set[str]) -> UsageError:
    """The error for KEY in [WHERE]: an old spelling names the new one; else a near miss."""
    new = commands.new_name(key)
    if new is not None:
        spelled = " or ".join(repr(n.replace("_", "-")) for n in new)
        return UsageError(
            f"config file {path}: [{where}] has {key.replace('_', '-')!r}, which is now {spelled}.",
            hint=f"Write {spelled} instead (the flag's new name).",
            field=f"[{where}].{key}",
        )
    owners = [name for name, keys in commands.others.items() if key in keys]
    table = where.split(".")[0]
    hint = (  # a command's table holding another command's key
        f"{key.replace('_', '-')} is an option of {', '.join(owners)}: "
        f"put it in [{table}.{owners[0]}], or in [{table}] for every command that has it."
        if owners
        else _unknown_key_hint(key, known, commands.aliases)
    )
    return UsageError(
        f"config file {path}: [{where}] has an unknown key {key!r}.",
        hint=hint,
        field=f"[{where}].{key}",
    )


def _no_such_command(path: Path, where: str, command: str, names: Collection[str]) -> UsageError:
    import difflib

    meant = difflib.get_close_matches(command, list(names), n=1)
    guess = f"Did you mean [{where}.{meant[0]}]? " if meant else ""
    return UsageError(
        f"config file {path}: [{where}.{command}] is a table for no command.",
        hint=f"{guess}Commands: {', '.join(names)}.",
        field=f"[{where}.{command}]",
    )


def _unknown_key_hint(key: str, known: set[str], aliases: Mapping[str, str]) -> str:
    """What the key was meant to be: a flag's name for an internal name, or a near miss."""
    import difflib

    shown = sorted(name.replace("_", "-") for name in known)
    meant = aliases.get(key) or next(iter(difflib.get_close_matches(key, known, n=1)), None)
    if meant is not None:
        flag = meant.replace("_", "-")
        return f"Did you mean {flag!r} (the flag --{flag})? Keys are the flags' names."
    return "Keys are the flags' names: " + ", ".join(shown) + "."


def check_global_value(key: str, value: Any, origin: str) -> Any:
    """Validate a global option's value from the config file, naming the key."""
    from proxyctl import validate

    label = f"{origin}: {key}"
    if key in ("no_input", "debug"):
        if not isinstance(value, bool):
            raise UsageError(f"{label} must be true or false.", field=key)
        return value
    if not isinstance(value, str):
        raise UsageError(f"{label} must be a string.", field=key)
    if key == "output" and value not in OUTPUT_FORMATS:
        raise UsageError(f"{label}: {value!r} is not one of text, json.", field=key)
    if key == "region":
        validate.region(value, field=label)
    if key == "endpoint_url":
        validate.endpoint_url(value, field=label)
    return value


def stdin_is_interactive(env: Mapping[str, str]) -> tuple[bool, str]:
    """Whether prompts may appear, and why not."""
    import sys

    if env.get("CI", "").strip().lower() not in NOT_CI:
        return False, "auto (CI is set)"
    if not sys.stdin or not sys.stdin.isatty():
        return False, "auto (stdin is not a terminal)"
    return True, "default"


GLOBAL_KEYS = ("profile", "region", "endpoint_url", "output", "no_input", "debug")
# Keys that no option has, read by whoever needs them: `resolve`, the host mapping
# (proxyctl.hostmap), used by every command that connects.
SHARED_KEYS = ("resolve",)
_BUILT_IN: dict[str, Any] = {
    "profile": None,
    "region": None,
    "endpoint_url": None,
    "output": "text",
    "no_input": False,
    "debug": False,
}


def resolve(
    given: Mapping[str, Any],
    given_from: Mapping[str, str | None],
    table: Mapping[str, Any],
    origins: Mapping[str, str],
    env: Mapping[str, str],
) -> tuple[dict[str, Any], dict[str, str]]:
    """Each global option's value and origin: flag > environment > config file > default.

    `given_from[key]` is "flag", "env NAME" or None when the command line and the
    environment left the option alone.
    """
    from proxyctl import validate

    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    # A bad value in the file is reported even where a flag overrides it.
    checked = {k: check_global_value(k, table[k], origins[k]) for k in GLOBAL_KEYS if k in table}
    for key in GLOBAL_KEYS:
        origin = given_from.get(key)
        if origin is not None:
            values[key], sources[key] = given[key], origin
            if key == "region" and given[key] is not None:
                validate.region(given[key], field="--region")
            if key == "endpoint_url" and given[key] is not None:
                validate.endpoint_url(given[key])
        elif key in checked:
            values[key], sources[key] = checked[key], origins[key]
        else:
            values[key], sources[key] = _BUILT_IN[key], "default"
    if not values["no_input"]:
        interactive, why = stdin_is_interactive(env)
        if not interactive:
            values["no_input"], sources["no_input"] = True, why
    return values, sources
