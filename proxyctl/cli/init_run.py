"""The init flow: answers -> spec -> discovery -> plan -> confirm -> apply -> wait -> summary."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from proxyctl import validate
from proxyctl.cli.init_flags import check_show_password
from proxyctl.cli.progress import Progress
from proxyctl.cli.wizard import Asker, Given, choose_database, fill_spec, make_asker
from proxyctl.config import Settings
from proxyctl.errors import UsageError
from proxyctl.logs import remember_secret
from proxyctl.output import emit, note, warn
from proxyctl.provision import policies
from proxyctl.provision.spec import Spec, parse_tags, read_spec, to_toml


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
    both_password_flags: bool = False


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


def precheck(flags: dict[str, Any]) -> dict[str, Any]:
    """Range and format checks on the flags alone, before any AWS call."""
    flags = dict(flags)
    if flags.get("tags") is not None:
        flags["tags"] = parse_tags(flags["tags"])
    probe = {k: v for k, v in flags.items() if v is not None and k not in ("secret", "secret_arn")}
    probe.setdefault("name", "placeholder")
    probe["database"] = "placeholder"
    Spec(**probe).check()
    if flags.get("db_user") is not None:  # checked by Spec only with --secret new
        validate.iam_db_user(flags["db_user"], field="--db-user")
    return flags


def run_init(settings: Settings, flags: dict[str, Any], options: InitOptions) -> None:
    from proxyctl.aws import databases as discovery
    from proxyctl.aws.clients import Clients
    from proxyctl.provision.discover import discover
    from proxyctl.provision.plan import build_plan

    if options.both_password_flags:
        raise UsageError(
            "--password-stdin and --generate-password: give one.", field="--password-stdin"
        )
    given = Given(precheck(flags), read_spec(options.spec_file) if options.spec_file else None)
    ask = make_asker(settings)
    replace_spec, replace_terraform = _may_replace(settings, options, ask)
    c = Clients(settings)
    databases = discovery.list_databases(c)
    db = choose_database(given, databases, ask, c.region)
    spec = fill_spec(given, db, ask)
    check_show_password(options.show_password, spec.secret, spec.password_source)
    found = discover(c, spec, databases)
    plan = build_plan(spec, found)
    if options.save_spec:
        from proxyctl.files import write_text

        write_text(options.save_spec, to_toml(spec), "--save-spec", overwrite=replace_spec)
        note(f"saved the answers to {options.save_spec}")
    if options.export_terraform:
        from proxyctl.provision.terraform import export_terraform

        target = options.export_terraform
        written = export_terraform(spec, found, target, overwrite=replace_terraform)
        note(f"wrote Terraform to {target}: {', '.join(p.name for p in written)}")
    if options.dry_run or not plan.steps:
        # The plan on stdout names them too; when stdout is a file or JSON, say them where
        # a person reads, and only there.
        if settings.json or not sys.stdout.isatty():
            for risk in plan.risks:
                warn(risk)
        emit(plan, settings.json)
        return
    if settings.json:
        for risk in plan.risks:
            warn(risk)
    else:
        note(plan.text())  # with the risks as warnings
    _confirm(settings, ask, len(plan.risks))
    password = (
        _password(c, spec, ask) if any(s.action == "create_secret" for s in plan.steps) else None
    )
    remember_secret(password)  # masked in --debug logs and errors from here on
    _apply(settings, c, spec, found, plan, options, password)


def _may_replace(settings: Settings, options: InitOptions, ask: Asker) -> tuple[bool, bool]:
    """Whether the existing spec file and Terraform files may be replaced. Bad paths fail and
    the question is asked here, before any AWS call, rather than after the wizard."""
    from proxyctl.files import check_dir_target, check_file_target, confirm_overwrite
    from proxyctl.provision.terraform import FILES

    spec, terraform = options.save_spec, options.export_terraform
    spec_there = [spec] if spec and check_file_target(spec, "--save-spec") else []
    terraform_there = check_dir_target(terraform, "--export-terraform", FILES) if terraform else []

    def confirm(question: str) -> bool:
        return ask.confirm("--force", question, False)

    asking = None if settings.no_input else confirm
    confirm_overwrite(spec_there, "--save-spec", options.force, asking)
    confirm_overwrite(terraform_there, "--export-terraform", options.force, asking)
    return bool(spec_there), bool(terraform_there)


def _confirm(settings: Settings, ask: Asker, risks: int = 0) -> None:
    """Apply only on --yes or a yes at the terminal; risky settings are named in the ask."""
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
    if not ask.confirm("--yes", question, False):
        raise UsageError("nothing was changed: the plan was not confirmed.", field="--yes")


def _password(c: Any, spec: Spec, ask: Asker) -> str:
    from proxyctl.aws.actions import random_password

    if spec.password_source == "stdin":
        password = sys.stdin.read().rstrip("\n")
        if not password:
            raise UsageError("--password-stdin: stdin held no password.", field="--password-stdin")
        return password
    if spec.password_source == "generate":
        return random_password(c)
    return ask.password("--password-stdin", f"Password of {spec.db_user} (hidden):")


def _apply(
    settings: Settings,
    c: Any,
    spec: Spec,
    found: Any,
    plan: Any,
    options: InitOptions,
    password: str | None,
) -> None:
    from proxyctl.aws import actions, leftovers
    from proxyctl.provision.apply import apply

    progress = Progress(quiet=settings.json)
    generated = spec.password_source == "generate" and password is not None
    ctx = actions.RunContext(
        password=password,
        timeout=float(options.wait_timeout),
        report=progress.report,
        expect_auth_failure=generated,
    )
    health = ["not checked (--no-wait)"]

    def wait(journal: Any) -> None:
        health[0] = actions.wait_healthy(c, spec.name, ctx)

    try:
        journal = apply(
            plan,
            lambda action, params: actions.STEPS[action](c, params, ctx),
            lambda action, params: actions.undo(c, action, params, ctx),
            find_leftover=lambda action, params, made: leftovers.find_leftover(
                c, action, params, made
            ),
            keep_on_failure=options.keep_on_failure,
            started=lambda n, total, step: progress.step(n, total, step.summary),
            extra=wait if options.wait else None,
        )
    finally:
        progress.close()
    proxy_arn = journal.outputs.get("proxy", {}).get("DBProxyArn") or (
        found.proxy.arn if found.proxy else ""
    )
    endpoint = journal.outputs.get("proxy", {}).get("Endpoint") or (
        found.proxy.endpoint if found.proxy else ""
    )
    warnings = plan.risks + plan.warnings + ctx.warnings
    user = spec.db_user or found.database.master_username
    if generated:
        warnings.append(
            f"the secret holds a generated password: set it on the database for {user} "
            f"(read it with `aws secretsmanager get-secret-value --secret-id "
            f"{policies.secret_name(spec)}`), or the target stays in AUTH_FAILURE."
        )
    resource = policies.connect_resource(
        found.partition, found.region, found.account, proxy_arn.rsplit(":", 1)[-1], user
    )
    result = InitResult(
        proxy=spec.name,
        endpoint=endpoint,
        port=5432,
        database=found.database.identifier,
        iam_auth=spec.iam_auth,
        require_tls=spec.require_tls,
        health=health[0],
        created=[item.summary for item in journal.created],
        reused=plan.reused,
        warnings=warnings,
        next_steps=[
            f"proxyctl token --proxy {spec.name} --user {user}",
            f"proxyctl check --proxy {spec.name} --user {user}",
            f"proxyctl grant {spec.name} --role APP_ROLE --db-user {user}",
        ],
        client_policy=policies.connect_policy([resource]),
        password=password if generated and options.show_password else None,
    )
    emit(result, settings.json)
