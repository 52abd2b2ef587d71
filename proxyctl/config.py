"""Settings from flag > environment > config file > built-in default.

The config file is TOML: a `[default]` table and named tables (contexts) chosen
with `--context`. A context's values sit on top of `[default]`. Keys are the
long option names as typed on the command line, with `-` or `_`: `region`,
`endpoint-url`, `user`, `format`, `print`...
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from proxyctl.errors import UsageError

CONFIG_ENV = "PROXYCTL_CONFIG"
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
    # The merged config table: defaults for any command's options, and their origins.
    table: dict[str, Any] = field(default_factory=dict)
    table_sources: dict[str, str] = field(default_factory=dict)

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
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV]).expanduser()
    import typer  # the platform's user config dir, as click computes it

    return Path(typer.get_app_dir("proxyctl")) / "config.toml"


def _key(name: str) -> str:
    return name.replace("-", "_")


def option_key(opts: Iterable[str]) -> str | None:
    """The config key of an option: its first long flag name (`--format` -> `format`)."""
    longs = [opt for opt in opts if opt.startswith("--")]
    return _key(longs[0][2:]) if longs else None


@dataclass
class ConfigFile:
    path: Path
    tables: dict[str, dict[str, Any]]
    exists: bool


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
    tables: dict[str, dict[str, Any]] = {}
    for name, table in data.items():
        if not isinstance(table, dict):
            raise UsageError(
                f"config file {path}: {name!r} is a value outside any table.",
                hint=f"Put settings under [{DEFAULT_TABLE}] or a named context such as [lab].",
                field=name,
            )
        tables[name] = {_key(k): v for k, v in table.items()}
    return ConfigFile(path, tables, exists=True)


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
    config: ConfigFile,
    context: str | None,
    known_keys: Iterable[str],
    aliases: Mapping[str, str] | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """Merge [default] and the context's table; return values and their origins."""
    if context is not None and context not in config.tables:
        defined = ", ".join(sorted(config.tables)) or "none"
        where = f"in {config.path}" if config.exists else f"(no config file at {config.path})"
        raise UsageError(
            f"--context: no context {context!r} {where}.",
            hint=f"Contexts defined: {defined}. Add a [{context}] table or choose another.",
            field="--context",
        )
    known = set(known_keys)
    # Every table is checked, selected or not: a typo in [prod] should not wait
    # until the day someone runs with --context prod.
    for name, table in config.tables.items():
        for key in table:
            if key not in known:
                raise UsageError(
                    f"config file {config.path}: [{name}] has an unknown key {key!r}.",
                    hint=_unknown_key_hint(key, known, aliases or {}),
                    field=f"[{name}].{key}",
                )
    merged: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for name in dict.fromkeys([DEFAULT_TABLE, context or DEFAULT_TABLE]):
        for key, value in config.tables.get(name, {}).items():
            merged[key] = value
            origins[key] = f"config {config.path} [{name}]"
    return merged, origins


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
