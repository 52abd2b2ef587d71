"""`proxyctl init`: create an RDS Proxy, its role, secret and security groups."""

# No `from __future__ import annotations`: Typer reads these annotations at start-up.
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from proxyctl.cli.renamed import renamed

if TYPE_CHECKING:
    from proxyctl.app import App

NAME = "Proxy"
SECRET = "Secret"
NETWORK = "Network"
POOL = "Pool"
RUN = "Run"


def init(
    ctx: typer.Context,
    name: Annotated[
        str | None,
        typer.Option(
            metavar="NAME", help="Proxy name (default: DATABASE-proxy).", rich_help_panel=NAME
        ),
    ] = None,
    db_cluster: Annotated[
        str | None,
        typer.Option(
            metavar="ID",
            help="The Aurora PostgreSQL cluster to front (default: the only database, or ask).",
            rich_help_panel=NAME,
        ),
    ] = None,
    db_instance: Annotated[
        str | None,
        typer.Option(
            metavar="ID",
            help="The RDS PostgreSQL instance to front, instead of a cluster "
            "(default: the only database, or ask).",
            rich_help_panel=NAME,
        ),
    ] = None,
    _database: Annotated[str | None, renamed("--database")] = None,
    secret: Annotated[
        str | None,
        typer.Option(
            metavar="MODE",
            help="managed (the database's RDS-managed secret, the default when there is one), "
            "existing, or new.",
            rich_help_panel=SECRET,
        ),
    ] = None,
    secret_arn: Annotated[
        str | None,
        typer.Option(
            metavar="ARN",
            help="The secret's ARN (--secret existing; given alone, it implies that mode).",
            rich_help_panel=SECRET,
        ),
    ] = None,
    db_user: Annotated[
        str | None,
        typer.Option(
            metavar="USER",
            help="With --secret new (implied when given alone): the database user "
            "(default: the master user).",
            rich_help_panel=SECRET,
        ),
    ] = None,
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin",
            help="With --secret new (implied when given alone): read the user's password "
            "from stdin (default: ask on the terminal).",
            rich_help_panel=SECRET,
        ),
    ] = False,
    generate_password: Annotated[
        bool,
        typer.Option(
            "--generate-password",
            help="With --secret new (implied when given alone): generate the password "
            "(set it on the database too).",
            rich_help_panel=SECRET,
        ),
    ] = False,
    show_password: Annotated[
        bool,
        typer.Option(
            "--show-password",
            help="With --generate-password: print the password in the result (default: off).",
            rich_help_panel=SECRET,
        ),
    ] = False,
    role_arn: Annotated[
        str | None,
        typer.Option(
            metavar="ARN",
            help="Use this IAM role (it must trust rds.amazonaws.com) instead of creating one.",
            rich_help_panel=SECRET,
        ),
    ] = None,
    security_group: Annotated[
        list[str] | None,
        typer.Option(
            metavar="SG",
            help="Use these groups for the proxy instead of creating one (repeatable).",
            rich_help_panel=NETWORK,
        ),
    ] = None,
    allow_sg: Annotated[
        list[str] | None,
        typer.Option(
            metavar="SG",
            help="Let this client group reach the proxy on 5432 (repeatable).",
            rich_help_panel=NETWORK,
        ),
    ] = None,
    allow_cidr: Annotated[
        list[str] | None,
        typer.Option(
            metavar="CIDR",
            help="Let this network reach the proxy on 5432 (repeatable; default: the VPC's CIDR).",
            rich_help_panel=NETWORK,
        ),
    ] = None,
    subnet: Annotated[
        list[str] | None,
        typer.Option(
            metavar="ID",
            help="Proxy subnets, in two AZs at least (default: the database's).",
            rich_help_panel=NETWORK,
        ),
    ] = None,
    require_tls: Annotated[
        bool | None,
        typer.Option(
            "--require-tls/--no-require-tls",
            help="Refuse clients without TLS (default: on).",
            rich_help_panel=NAME,
        ),
    ] = None,
    iam_auth: Annotated[
        str | None,
        typer.Option(metavar="MODE", help="REQUIRED (default) or DISABLED.", rich_help_panel=NAME),
    ] = None,
    client_password_auth: Annotated[
        str | None,
        typer.Option(metavar="KIND", help="scram (default) or md5.", rich_help_panel=NAME),
    ] = None,
    idle_client_timeout: Annotated[
        int | None,
        typer.Option(
            metavar="SECONDS",
            help="Close idle client connections after this (default 1800).",
            rich_help_panel=NAME,
        ),
    ] = None,
    debug_logging: Annotated[
        bool | None,
        typer.Option(
            "--debug-logging/--no-debug-logging",
            help="Proxy debug logs in CloudWatch (default: off).",
            rich_help_panel=NAME,
        ),
    ] = None,
    max_connections_percent: Annotated[
        int | None,
        typer.Option(
            metavar="PCT",
            help="Share of the database's max_connections (1-100, default 100).",
            rich_help_panel=POOL,
        ),
    ] = None,
    max_idle_connections_percent: Annotated[
        int | None,
        typer.Option(
            metavar="PCT",
            help="Idle connections kept (0 to max, default 50).",
            rich_help_panel=POOL,
        ),
    ] = None,
    connection_borrow_timeout: Annotated[
        int | None,
        typer.Option(
            metavar="SECONDS",
            help="Wait for a free connection (0-300, default 120).",
            rich_help_panel=POOL,
        ),
    ] = None,
    init_query: Annotated[
        str | None,
        typer.Option(
            metavar="SQL", help="SQL run on each new database connection.", rich_help_panel=POOL
        ),
    ] = None,
    tag: Annotated[
        list[str] | None,
        typer.Option(
            metavar="KEY=VALUE",
            help="Tag every created resource (repeatable).",
            rich_help_panel=NAME,
        ),
    ] = None,
    spec: Annotated[
        Path | None,
        typer.Option(
            "--spec",
            metavar="FILE",
            help="Read the answers from a TOML spec; flags override it.",
            rich_help_panel=RUN,
        ),
    ] = None,
    save_spec: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="Write the answers to a TOML spec for later runs.",
            rich_help_panel=RUN,
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the plan and stop.", rich_help_panel=RUN)
    ] = False,
    export_terraform: Annotated[
        Path | None,
        typer.Option(
            metavar="DIR",
            help="Also write the plan as a Terraform configuration.",
            rich_help_panel=RUN,
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Replace an existing --save-spec file or --export-terraform files without "
            "asking (default: ask on a terminal, refuse elsewhere).",
            rich_help_panel=RUN,
        ),
    ] = False,
    keep_on_failure: Annotated[
        bool,
        typer.Option(
            "--keep-on-failure",
            help="On failure leave what was made, for inspection.",
            rich_help_panel=RUN,
        ),
    ] = False,
    wait_timeout: Annotated[
        int,
        typer.Option(
            min=1,
            metavar="SECONDS",
            help="How long to wait for a healthy proxy.",
            rich_help_panel=RUN,
        ),
    ] = 900,
    no_wait: Annotated[
        bool,
        typer.Option(
            "--no-wait", help="Do not wait for the proxy to be healthy.", rich_help_panel=RUN
        ),
    ] = False,
    yes: Annotated[
        bool,
        typer.Option(
            "--yes", "-y", help="Apply without asking (as the global --yes).", rich_help_panel=RUN
        ),
    ] = False,
) -> None:
    """Create an RDS Proxy for a PostgreSQL database: plan, confirm, apply, wait.

    Finds the region's Aurora PostgreSQL clusters and RDS PostgreSQL instances,
    asks what it cannot default (each question has a flag), shows the plan, and
    on yes creates the IAM role, secret, security groups and proxy, registers
    the database and waits until it is healthy. A failed or interrupted run
    undoes what it created. Running it again with the same answers changes
    nothing.

    \b
    Examples:
      proxyctl init
      proxyctl init --db-cluster orders --allow-sg sg-0123456789abcdef0 --yes
      proxyctl init --db-instance reports --dry-run --save-spec reports.toml
      proxyctl init --spec orders.toml --yes --export-terraform tf/
    """
    from proxyctl.cli.init_flags import precheck, secret_mode
    from proxyctl.cli.progress import Progress
    from proxyctl.errors import UsageError
    from proxyctl.provision import init as provision_init

    app: App = ctx.obj
    app.settings.yes = app.settings.yes or yes
    flags = {
        "name": name,
        "db_cluster": db_cluster,
        "db_instance": db_instance,
        "secret": secret,
        "secret_arn": secret_arn,
        "db_user": db_user,
        "password_source": "stdin" if password_stdin else "generate" if generate_password else None,
        "role_arn": role_arn,
        "security_groups": security_group or None,
        "allow_sg": allow_sg or None,
        "allow_cidr": allow_cidr or None,
        "subnets": subnet or None,
        "require_tls": require_tls,
        "iam_auth": iam_auth.upper() if iam_auth else None,
        "client_password_auth": client_password_auth.lower() if client_password_auth else None,
        "idle_client_timeout": idle_client_timeout,
        "debug_logging": debug_logging,
        "max_connections_percent": max_connections_percent,
        "max_idle_connections_percent": max_idle_connections_percent,
        "connection_borrow_timeout": connection_borrow_timeout,
        "init_query": init_query,
        "tags": tag or None,
    }
    flags["secret"] = secret_mode(flags, show_password)
    if password_stdin and generate_password:
        raise UsageError(
            "--password-stdin and --generate-password: give one.", field="--password-stdin"
        )
    options = provision_init.InitOptions(
        spec_file=spec,
        save_spec=save_spec,
        dry_run=dry_run,
        export_terraform=export_terraform,
        force=force,
        keep_on_failure=keep_on_failure,
        wait_timeout=wait_timeout,
        wait=not no_wait,
        show_password=show_password,
    )
    progress = Progress(quiet=app.json)
    try:
        result = provision_init.run(app, precheck(flags), options, progress)
    finally:
        progress.close()
    app.emit(result)
