"""`proxyctl destroy NAME`: remove what `proxyctl init` created for that proxy."""

# No `from __future__ import annotations` in command modules: Typer would have to
# evaluate every annotation string at start-up, which slows `proxyctl --help`.
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from proxyctl.app import App


def destroy(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="The proxy's name (init's --name).")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be deleted, and stop.")
    ] = False,
    force_delete_secret: Annotated[
        bool,
        typer.Option(
            "--force-delete-secret",
            help="Delete the stack's secret at once, without the 30-day recovery window.",
        ),
    ] = False,
    wait_timeout: Annotated[
        int,
        typer.Option(
            min=1,
            metavar="SECONDS",
            help="How long to wait for the proxy, then its security group, to go.",
        ),
    ] = 900,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Delete without asking (as the global --yes).")
    ] = False,
) -> None:
    """Delete the RDS proxy NAME and what `proxyctl init` created for it.

    Finds the stack by its proxyctl:stack=NAME tags, so it works from any machine,
    and deletes newest first: the proxy's targets, the proxy (waiting until it is
    gone), the rules naming the proxy's security group on the database's groups,
    that group, the IAM role and its inline policies, and the secret (kept for
    30 days unless --force-delete-secret). The database, and any role, group or
    secret that init did not create, are never touched. A proxy that init did not
    create is refused. Asks you to type NAME first, unless --yes.

    \b
    Examples:
      proxyctl destroy orders --dry-run
      proxyctl destroy orders
      proxyctl --yes destroy orders --force-delete-secret
    """
    from proxyctl.cli.progress import Progress
    from proxyctl.provision import teardown

    app: App = ctx.obj
    options = teardown.DestroyOptions(dry_run, force_delete_secret, float(wait_timeout), yes)
    progress = Progress(quiet=app.json)
    try:
        result = teardown.run(app, name, options, progress)
    finally:
        progress.close()
    app.emit(result)
