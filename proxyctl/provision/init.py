"""The init flow: answers -> spec -> discovery -> plan -> confirm -> apply -> wait -> result.

`run` asks through `app.ask` and returns what the command shows: the Plan (a dry
run, or nothing to do) or an InitResult. Errors are raised, never printed here.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from proxyctl.errors import ProxyctlError, UsageError
from proxyctl.provision import policies
from proxyctl.provision.spec import Spec, read_spec, to_toml
from proxyctl.provision.steps import Plan
from proxyctl.provision.wizard import Given, choose_database, fill_spec

if TYPE_CHECKING:
    from proxyctl.app import App
    from proxyctl.aws.actions import RunContext
    from proxyctl.aws.clients import Clients
    from proxyctl.model.database import Database
    from proxyctl.provision.apply import Journal, Progress
    from proxyctl.provision.model import Discovery

SHOW_PASSWORD = (
    "--show-password applies only with --generate-password (it prints a generated password)."
)


@dataclass
class InitOptions:
    spec_file: Path | None = None
    save_spec: Path | None = None
    dry_run: bool = False
    export_terraform: Path | None = None
    force: bool = False
    keep_on_failure: bool = False
    wait_timeout: int = 900
    wait: bool = True
    show_password: bool = False


@dataclass
class InitResult:
    KIND: ClassVar[str] = "init"
    proxy: str
    endpoint: str
    port: int
    database: str
    iam_auth: str
    require_tls: bool
    health: str
    created: list[str]
    reused: list[str]
    warnings: list[str]
    next_steps: list[str]
    client_policy: dict[str, Any]
    password: str | None = field(default=None)

    def text(self) -> str:
        import json

        tls = "required" if self.require_tls else "optional"
        lines = [
            f"RDS Proxy {self.proxy} is ready in front of {self.database}.",
            f"  endpoint: {self.endpoint}:{self.port}",
            f"  auth:     IAM {self.iam_auth}, TLS {tls}",
            f"  health:   {self.health}",
        ]
        lines += [f"  done:     {item}" for item in self.created]
        lines += [f"  warning:  {item}" for item in self.warnings]
        if self.password is not None:
            lines.append(f"  password: {self.password}")
        lines.append("Next:")
        lines += [f"  {step}" for step in self.next_steps]
        lines.append("Client policy for rds-db:connect (attach to the application's role):")
        lines += ["  " + line for line in json.dumps(self.client_policy, indent=2).splitlines()]
        return "\n".join(lines) + "\n"


def check_show_password(show_password: bool, secret: str, password_source: str) -> None:
    """After the questions: --show-password needs a generated password to show."""
    if show_password and not (secret == "new" and password_source == "generate"):
        raise UsageError(SHOW_PASSWORD, field="--show-password")


def run(
    app: App, flags: dict[str, Any], options: InitOptions, progress: Progress
) -> Plan | InitResult:
    """FLAGS: the answers given as flags (None: not given), checked by the command."""
    from proxyctl.aws import databases as discovery
    from proxyctl.logs import remember_secret
    from proxyctl.provision.discover import discover
    from proxyctl.provision.plan import build_plan

    given = Given(flags, read_spec(options.spec_file) if options.spec_file else None)
    replace = _may_replace(app, options)
    c = app.clients
    databases = discovery.list_databases(c)
    db = choose_database(given, databases, app.ask, c.region)
    spec = fill_spec(given, db, app.ask)
    check_show_password(options.show_password, spec.secret, spec.password_source)
    found = discover(c, spec, databases)
    plan = build_plan(spec, found)
    plan.cost = _cost(c, db)
    _write_files(app, spec, found, options, replace)
    if options.dry_run or not plan.steps:
        # The plan on stdout names the risks too; when stdout is a file or JSON, say them
        # where a person reads, and only there.
        if app.json or not sys.stdout.isatty():
            for risk in plan.risks:
                app.warn(risk)
        return plan
    if app.json:
        for risk in plan.risks:
            app.warn(risk)
    else:
        app.note(plan.text())  # with the risks as warnings
    _confirm(app, len(plan.risks))
    needs = any(s.action == "create_secret" for s in plan.steps)
    password = _password(app, spec) if needs else None
    remember_secret(password)  # masked in --debug logs and errors from here on
    return _apply(app, spec, found, plan, options, password, progress)


def _cost(c: Clients, db: Database) -> str:
    """The monthly estimate of a proxy in front of DB, or why there is none."""
    from proxyctl import pricing
    from proxyctl.aws.footprint import database_classes

    try:
        return pricing.estimate(database_classes(c.rds, db.kind, db.identifier)).text
    except ProxyctlError as exc:
        return f"not estimated: {exc.message}"


def _may_replace(app: App, options: InitOptions) -> tuple[bool, bool]:
    """Whether the existing spec file and Terraform files may be replaced. Bad paths fail and
    the question is asked here, before any AWS call, rather than after the wizard."""
    from proxyctl.files import check_dir_target, check_file_target, confirm_overwrite
    from proxyctl.provision.terraform import FILES

    spec, terraform = options.save_spec, options.export_terraform
    spec_there = [spec] if spec and check_file_target(spec, "--save-spec") else []
    terraform_there = check_dir_target(terraform, "--export-terraform", FILES) if terraform else []

    def confirm(question: str) -> bool:
        return app.ask.confirm("--force", question, False)

    asking = None if app.settings.no_input else confirm
    confirm_overwrite(spec_there, "--save-spec", options.force, asking)
    confirm_overwrite(terraform_there, "--export-terraform", options.force, asking)
    return bool(spec_there), bool(terraform_there)


def _write_files(
    app: App, spec: Spec, found: Discovery, options: InitOptions, replace: tuple[bool, bool]
) -> None:
    if options.save_spec:
        from proxyctl.files import write_text

        write_text(options.save_spec, to_toml(spec), "--save-spec", overwrite=replace[0])
        app.note(f"saved the answers to {options.save_spec}")
    if options.export_terraform:
        from proxyctl.provision.terraform import export_terraform

        target = options.export_terraform
        written = export_terraform(spec, found, target, overwrite=replace[1])
        app.note(f"wrote Terraform to {target}: {', '.join(p.name for p in written)}")


def _confirm(app: App, risks: int = 0) -> None:
    """Apply only on --yes or a yes at the terminal; risky settings are named in the ask."""
    settings = app.settings
    if settings.yes:
        return
    weaker = (
        f"{risks} setting{'s' if risks > 1 else ''} above weaken{'' if risks > 1 else 's'} "
        "the proxy's security"
    )
    if settings.no_input:
        raise UsageError(
            f"init changes AWS resources{' and ' + weaker if risks else ''}: confirm with --yes.",
            hint="Review the plan with --dry-run first.",
            field="--yes",
        )
    question = f"Apply this plan? ({weaker})" if risks else "Apply this plan?"
    if not app.ask.confirm("--yes", question, False):
        raise UsageError("nothing was changed: the plan was not confirmed.", field="--yes")


def _password(app: App, spec: Spec) -> str:
    from proxyctl.aws.actions import random_password

    if spec.password_source == "stdin":
        password = sys.stdin.read().rstrip("\n")
        if not password:
            raise UsageError("--password-stdin: stdin held no password.", field="--password-stdin")
        return password
    if spec.password_source == "generate":
        return random_password(app.clients)
    return app.ask.password("--password-stdin", f"Password of {spec.db_user} (hidden):")


def _apply(
    app: App,
    spec: Spec,
    found: Discovery,
    plan: Plan,
    options: InitOptions,
    password: str | None,
    progress: Progress,
) -> InitResult:
    """Run the plan, then wait until the proxy is healthy (undone too when it is not)."""
    from proxyctl.aws import actions, leftovers
    from proxyctl.provision.apply import apply

    c = app.clients
    ctx = actions.RunContext(
        password=password,
        timeout=float(options.wait_timeout),
        report=progress.report,
        expect_auth_failure=spec.password_source == "generate" and password is not None,
    )
    health = ["not checked (--no-wait)"]

    def wait(journal: Journal) -> None:
        health[0] = actions.wait_healthy(c, spec.name, ctx)

    journal = apply(
        plan,
        lambda action, params: actions.run(c, action, params, ctx),
        lambda action, params: actions.undo(c, action, params, ctx),
        find_leftover=lambda action, params, made: leftovers.find_leftover(c, action, params, made),
        keep_on_failure=options.keep_on_failure,
        started=lambda n, total, step: progress.step(n, total, step.summary),
        extra=wait if options.wait else None,
    )
    return _result(spec, found, plan, journal, ctx, health[0], options.show_password)


def _result(
    spec: Spec,
    found: Discovery,
    plan: Plan,
    journal: Journal,
    ctx: RunContext,
    health: str,
    show_password: bool,
) -> InitResult:
    made = journal.outputs.get("proxy", {})
    proxy_arn = made.get("DBProxyArn") or (found.proxy.arn if found.proxy else "")
    endpoint = made.get("Endpoint") or (found.proxy.endpoint if found.proxy else "")
    warnings = plan.risks + plan.warnings + ctx.warnings
    user = spec.db_user or found.database.master_username
    if ctx.expect_auth_failure:  # a generated password, not yet on the database
        warnings.append(
            f"the secret holds a generated password: set it on the database for {user} "
            f"(read it with `aws secretsmanager get-secret-value --secret-id "
            f"{policies.secret_name(spec)}`), or the target stays in AUTH_FAILURE."
        )
    resource = policies.connect_resource(
        found.partition, found.region, found.account, proxy_arn.rsplit(":", 1)[-1], user
    )
    return InitResult(
        proxy=spec.name,
        endpoint=endpoint,
        port=5432,
        database=found.database.identifier,
        iam_auth=spec.iam_auth,
        require_tls=spec.require_tls,
        health=health,
        created=[item.summary for item in journal.created],
        reused=plan.reused,
        warnings=warnings,
        next_steps=[
            f"proxyctl token --proxy {spec.name} --user {user}",
            f"proxyctl check --proxy {spec.name} --user {user}",
            f"proxyctl grant {spec.name} --role APP_ROLE --db-user {user}",
        ],
        client_policy=policies.connect_policy([resource]),
        password=ctx.password if ctx.expect_auth_failure and show_password else None,
    )
