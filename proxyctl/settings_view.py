"""The settings in force, as `proxyctl config show` renders them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from proxyctl.config import GLOBAL_KEYS, Settings


@dataclass
class Setting:
    name: str
    value: Any
    source: str


def _shown(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


@dataclass
class SettingsView:
    KIND: ClassVar[str] = "config"
    config_file: str
    config_file_exists: bool
    context: str | None
    settings: list[Setting]

    def text(self) -> str:
        state = "" if self.config_file_exists else " (not there)"
        lines = [f"config file: {self.config_file}{state}", f"context: {self.context or '-'}"]
        width = max(len(s.name) for s in self.settings)
        lines += [f"{s.name.ljust(width)}  {_shown(s.value)}  ({s.source})" for s in self.settings]
        return "\n".join(lines) + "\n"


def _safe(value: Any) -> Any:
    """A value as typed, with credentials in it (an endpoint URL's password) masked."""
    from proxyctl.logs import redact

    return redact(value) if isinstance(value, str) else value


def settings_view(settings: Settings) -> SettingsView:
    rows = [Setting(k, _safe(getattr(settings, k)), settings.sources[k]) for k in GLOBAL_KEYS]
    rows += [
        Setting(k, _safe(v), settings.table_sources[k])
        for k, v in sorted(settings.table.items())
        if k not in GLOBAL_KEYS
    ]
    # Each command's own table, as `command.key` ([default.init] db-cluster: init.db_cluster).
    rows += [
        Setting(f"{command}.{k}", _safe(value), origin)
        for command, table in sorted(settings.command_tables.items())
        for k, (value, origin) in sorted(table.items())
    ]
    path = settings.config_path
    return SettingsView(
        config_file=str(path),
        config_file_exists=bool(path and path.exists()),
        context=settings.context,
        settings=rows,
    )
