"""Where the config file is, known without importing the settings (config.py): so
that `proxyctl --help` looks for a file and reads it only when there is one."""

from __future__ import annotations

import os

CONFIG_ENV = "PROXYCTL_CONFIG"


def config_path() -> str:
    """PROXYCTL_CONFIG, or config.toml in the platform's user config dir (as click has it)."""
    if os.environ.get(CONFIG_ENV):
        return os.path.expanduser(os.environ[CONFIG_ENV])
    import typer

    return os.path.join(typer.get_app_dir("proxyctl"), "config.toml")
