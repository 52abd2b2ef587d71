"""`proxyctl load`: a connection storm through the proxy, and the database's side."""

# No `from __future__ import annotations`: Typer reads these annotations at start-up.
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from proxyctl.cli.options import GIVEN, connection_options

if TYPE_CHECKING:
    from proxyctl.app import App
    from proxyctl.reach import ConnectionOptions

LOAD = "Load"
GATE = "Gate"


@connection_options
def load(
    ctx: typer.Context,
    clients: Annotated[
        int,
        typer.Option(metavar="N", help="Concurrent clients (1 to 5,000).", rich_help_panel=LOAD),
    ] = 10,
    duration: Annotated[
        str | None,
        typer.Option(
            metavar="DURATION",
            help="How long each endpoint is loaded, e.g. 30s, 5m. Default: 30s, or until "
            "--connections are made.",
            rich_help_panel=LOAD,
        ),
    ] = None,
    connections: Annotated[
        int | None,
        typer.Option(
            metavar="TOTAL",
            help="Stop after TOTAL attempts per endpoint (connections in lambda mode, "
            "statements in pool mode). Default: no total, --duration bounds the run.",
            rich_help_panel=LOAD,
        ),
    ] = None,
    mode: Annotated[
        str,
        typer.Option(
            metavar="lambda|pool",
            help="lambda: each attempt is a new connection, one statement, disconnect (a "
            "cold Lambda); pool: each client keeps its connection. Default: lambda.",
            rich_help_panel=LOAD,
        ),
    ] = "lambda",
    rate: Annotated[
        float | None,
        typer.Option(
            metavar="PER_SECOND",
            help="New attempts per second, all clients together. Default: as fast as they go.",
            rich_help_panel=LOAD,
        ),
    ] = None,
    ramp_up: Annotated[
        str,
        typer.Option(
            metavar="DURATION",
            help="Start the clients one after another over this time. Default: 0s.",
            rich_help_panel=LOAD,
        ),
    ] = "0s",
    sql: Annotated[
        str | None,
        typer.Option(metavar="SQL", help="The statement. Default: select 1.", rich_help_panel=LOAD),
    ] = None,
    file: Annotated[
        str | None,
        typer.Option(metavar="PATH", help="Read the statement from PATH.", rich_help_panel=LOAD),
    ] = None,
    write: Annotated[
        bool,
        typer.Option(
            "--write",
            help="Allow a statement that writes (refused by default).",
            rich_help_panel=LOAD,
        ),
    ] = False,
    direct: Annotated[
        bool,
        typer.Option(
            "--direct",
            help="With --proxy: load the cluster's writer endpoint too, after the proxy, "
            "and count database connections there. Default: the proxy only.",
        ),
    ] = False,
    endpoint: Annotated[
        list[str] | None,
        typer.Option(
            metavar="LABEL=HOST[:PORT]",
            help="Load this endpoint too, after the named one (repeatable).",
        ),
    ] = None,
    monitor: Annotated[
        str | None,
        typer.Option(
            metavar="HOST:PORT",
            help="The database itself: its pg_stat_activity counts the database "
            "connections every 100 ms. Default: the writer endpoint with --direct, else "
            "not measured.",
        ),
    ] = None,
    cloudwatch_wait: Annotated[
        str,
        typer.Option(
            metavar="DURATION",
            help="For --proxy without a monitor: wait up to this long after the run for "
            "CloudWatch to publish the proxy's ClientConnections and DatabaseConnections "
            "for the run's minutes (a minute or more in AWS). 0s reads once without "
            "waiting. Default: 3m.",
        ),
    ] = "3m",
    max_p99: Annotated[
        float | None,
        typer.Option(
            metavar="MS",
            help="Exit 6 when the first endpoint's p99 connect time is over MS.",
            rich_help_panel=GATE,
        ),
    ] = None,
    max_errors: Annotated[
        int | None,
        typer.Option(
            metavar="N",
            help="Exit 6 when the first endpoint has more than N failed attempts.",
            rich_help_panel=GATE,
        ),
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="Write the report to FILE: .json (the --output json document), .md, or "
            ".html (with connections over time and a latency histogram).",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing --report.")] = False,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Start a big run without asking.")
    ] = False,
    connection: "ConnectionOptions" = GIVEN,
) -> None:
    """Run a Lambda-style connection storm and count the database connections it used.

    Each of --clients connects, signs in (a cached IAM token, as a client would), runs
    the statement and disconnects, for --duration or --connections; then the same load
    runs against each --endpoint (or the writer endpoint with --direct). Reports
    connections served, failures by class (too many connections, the proxy's borrow
    timeout, auth, TLS, timeout, refused), connect and query latency, and the database
    connections counted with --monitor (or, for --proxy without one, the proxy's
    CloudWatch minutes, waited for up to --cloudwatch-wait). Read-only statements
    unless --write; a run of more than 200 clients or 10,000 connections asks first
    (--yes). Ctrl-C stops at once and writes the partial report (exit 130);
    --max-p99 and --max-errors exit 6.

    \b
    Examples:
      proxyctl load --proxy orders --user app --clients 100 --duration 1m --direct
      proxyctl load --host localhost --port 6432 --user app --clients 50 \\
        --connections 2000 --endpoint direct=localhost:5432 --monitor localhost:5432
      proxyctl load --proxy orders --user app --max-p99 200 --max-errors 0 --report load.json
    """
    from proxyctl.cli.load_run import LoadRequest, run
    from proxyctl.load.plan import LoadOptions

    app: App = ctx.obj
    app.settings.yes = app.settings.yes or yes
    request = LoadRequest(
        LoadOptions(clients, duration, connections, mode, rate, ramp_up, sql, file, write),
        connection,
        direct=direct,
        endpoints=endpoint or [],
        monitor=monitor,
        max_p99=max_p99,
        max_errors=max_errors,
        report=report,
        force=force,
        cloudwatch_wait=cloudwatch_wait,
    )
    raise typer.Exit(run(app, request))
