"""Shell completion: the values of options that take one of a fixed set, and a zsh
script that completes on the first TAB."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

# Options declared as plain strings but checked against a fixed set: each names the
# set it is checked against (module, name), imported only when completing. Without
# these, bash falls back to file names.
FIXED_VALUES: dict[str, tuple[str, str]] = {
    "--auth": ("proxyctl.validate", "AUTH_MODES"),
    "--mode": ("proxyctl.drill.options", "MODES"),
    "--trigger": ("proxyctl.drill.trigger", "TRIGGERS"),
    "--secret": ("proxyctl.provision.spec", "SECRET_MODES"),
    "--iam-auth": ("proxyctl.provision.spec", "IAM_AUTH"),
    "--client-password-auth": ("proxyctl.provision.spec", "CLIENT_AUTH"),
}


def _complete_from(where: tuple[str, str]) -> Callable[..., list[str]]:
    def complete(_ctx: Any, _param: Any, incomplete: str) -> list[str]:
        import importlib

        values: Iterable[str] = getattr(importlib.import_module(where[0]), where[1])
        return [value for value in values if value.startswith(incomplete)]

    return complete


def complete_fixed_values(command: Any) -> None:
    """Give every option of FIXED_VALUES, in `command` and below, its values to complete."""
    for param in command.params:
        opts = getattr(param, "opts", [])
        found = next((FIXED_VALUES[opt] for opt in opts if opt in FIXED_VALUES), None)
        if found is not None and param._custom_shell_complete is None:
            param._custom_shell_complete = _complete_from(found)
    for sub in getattr(command, "commands", {}).values():
        complete_fixed_values(sub)


# Typer's zsh script calls `compdef` when it runs. Installed as _proxyctl on $fpath
# (as --install-completion and the README do), compinit autoloads it on the first
# TAB, which then only registers the function: nothing completes until a second
# TAB. Run as the autoloaded _proxyctl, it completes at once; sourced, it registers.
ZSH_SCRIPT = (
    """
#compdef %(prog_name)s

%(complete_func)s() {
  eval $(env _TYPER_COMPLETE_ARGS="${words[1,$CURRENT]}" """
    + """%(autocomplete_var)s=complete_zsh %(prog_name)s)
}

if [[ ${funcstack[1]-} == _%(prog_name)s ]]; then
  %(complete_func)s "$@"
else
  compdef %(complete_func)s %(prog_name)s
fi
"""
)


def use_zsh_script() -> None:
    """Make --show-completion and --install-completion write ZSH_SCRIPT for zsh."""
    from typer import _completion_classes, _completion_shared

    _completion_shared._completion_scripts["zsh"] = ZSH_SCRIPT
    _completion_classes.ZshComplete.source_template = ZSH_SCRIPT
