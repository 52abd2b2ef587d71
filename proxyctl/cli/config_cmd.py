"""`proxyctl config`: the settings in force and where each came from."""

import typer

app = typer.Typer(no_args_is_help=True, help="Show the settings in force and their sources.")


@app.command("show")
def show(ctx: typer.Context) -> None:
    """Show each setting's value and where it came from: flag, env, config file, default.

    Command defaults from the config file (user, port, proxy...) are listed too.

    \b
    Examples:
      proxyctl config show
      proxyctl --context lab --output json config show
    """
    from proxyctl.output import emit
    from proxyctl.settings_view import settings_view

    emit(settings_view(ctx.obj.settings), ctx.obj.json)
