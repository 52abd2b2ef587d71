"""Old spellings of options: still parsed (hidden), so that using one fails with a
message naming the new spelling instead of "no such option"."""

from collections.abc import Callable

import typer
from typer._click.core import ParameterSource

from proxyctl.errors import UsageError


def renamed(new: str) -> Callable[[typer.Context, typer.CallbackParam, object], None]:
    """A callback for an old spelling: given at all, as a flag or a config key, it fails
    naming the new one."""

    def refuse(ctx: typer.Context, param: typer.CallbackParam, value: object) -> None:
        if value is None:
            return
        old = param.opts[0]
        if ctx.get_parameter_source(str(param.name)) is ParameterSource.DEFAULT_MAP:
            key = old.removeprefix("--")
            origin = getattr(ctx.find_root().obj, "table_sources", {}).get(key, "config file")
            raise UsageError(f"{origin}: {key} is now {new.removeprefix('--')}.", field=key)
        raise UsageError(f"{old} is now {new}.", field=old)

    return refuse
