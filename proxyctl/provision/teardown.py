"""The destroy flow: find the stack -> plan -> confirm (type the name) -> apply.

`run` asks through `app.ask` and returns what the command shows: the plan (a dry
run) or the DestroyResult. Errors are raised, never printed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from proxyctl.errors import UsageError
from proxyctl.provision.destroy import DestroyPlan, DestroyResult

if TYPE_CHECKING:
    from proxyctl.app import App
    from proxyctl.provision.apply import Progress


@dataclass
class DestroyOptions:
    dry_run: bool = False
    force_delete_secret: bool = False
    wait_timeout: float = 900.0
    yes: bool = False


def run(
    app: App, name: str, options: DestroyOptions, progress: Progress
) -> DestroyPlan | DestroyResult:
    from proxyctl import validate
    from proxyctl.aws import actions
    from proxyctl.provision.apply import apply
    from proxyctl.provision.destroy import plan_destroy
    from proxyctl.provision.found import find_stack

    validate.proxy_name(name, field="NAME")
    c = app.clients
    plan = plan_destroy(find_stack(c, name), options.force_delete_secret)
    if options.dry_run:
        return plan
    asking = not (options.yes or app.settings.yes)
    if asking or not app.json:  # in JSON the plan is in the document, unless a person reads it
        app.note(plan.text())
    if asking:
        confirm(app, name)
    ctx = actions.RunContext(timeout=options.wait_timeout, report=progress.report)
    apply(
        plan,
        lambda action, params: actions.run(c, action, params, ctx),
        started=lambda number, total, step: progress.step(number, total, step.summary),
    )
    return DestroyResult(plan.proxy, plan.region, list(plan.steps), plan.kept, plan)


def confirm(app: App, name: str) -> None:
    """Ask for the proxy's name to be typed; anything else deletes nothing."""
    question = f"Type the proxy's name ({name}) to delete all of the above:"
    if not app.ask.typed("--yes", question, name, action=f"destroy {name}"):
        raise UsageError(
            f"NAME: what you typed is not {name!r}: nothing was deleted.",
            hint="Run it again and type the proxy's name exactly, or pass --yes.",
            field="NAME",
        )
