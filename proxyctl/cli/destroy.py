"""`proxyctl destroy NAME`: remove what `proxyctl init` created for that proxy."""

# No `from __future__ import annotations` in command modules: Typer would have to
# evaluate every annotation string at start-up, which slows `proxyctl --help`.
from typing import TYPE_CHECKING, Annotated

import typer

from proxyctl.errors import UsageError

if TYPE_CHECKING:
    from proxyctl.aws.clients import Clients
    from proxyctl.config import Settings
    from proxyctl.provision.destroy import DestroyPlan, DestroyResult


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
    from proxyctl import validate
    from proxyctl.aws.clients import Clients
    from proxyctl.output import emit, note
    from proxyctl.provision.destroy import plan_destroy
    from proxyctl.provision.found import find_stack

    settings: Settings = ctx.obj.settings
    validate.proxy_name(name, field="NAME")
    c = Clients(settings)
    plan = plan_destroy(find_stack(c, name), force_delete_secret)
    if dry_run:
        emit(plan, settings.json)
        return
    note(plan.text())
    if not (yes or settings.yes):
        confirm(settings, name)
    emit(_run(c, plan, float(wait_timeout), quiet=settings.json), settings.json)


def confirm(settings: "Settings", name: str) -> None:
    """Ask for the proxy's name to be typed; anything else deletes nothing."""
    if settings.no_input:
        raise UsageError(
            f"destroy {name} needs confirmation: pass --yes.",
            hint="--yes confirms without asking "
            f"(prompts are off: {settings.prompts_off_because}).",
            field="--yes",
        )
    import questionary

    answer = questionary.text(f"Type the proxy's name ({name}) to delete all of the above:")
    typed = str(answer.unsafe_ask() or "").strip()
    if typed != name:
        raise UsageError(
            f"NAME: you typed {typed!r}, not {name!r}: nothing was deleted.",
            hint="Run it again and type the proxy's name exactly, or pass --yes.",
            field="NAME",
        )


def _run(c: "Clients", plan: "DestroyPlan", timeout: float, quiet: bool) -> "DestroyResult":
    from proxyctl.aws.teardown import RunContext, run_step
    from proxyctl.cli.progress import Progress
    from proxyctl.provision.destroy import DestroyStep, execute

    progress = Progress(quiet=quiet)

    def started(number: int, total: int, step: DestroyStep) -> None:
        progress.step(number, total, step.summary)

    ctx = RunContext(timeout=timeout, report=progress.report)
    try:
        return execute(plan, lambda action, params: run_step(c, action, params, ctx), started)
    finally:
        progress.close()
