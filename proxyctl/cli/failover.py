"""`proxyctl failover-test`: a failover drill, proxy against direct, as a gate."""

# No `from __future__ import annotations`: Typer reads these annotations at start-up.
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from proxyctl.cli.options import GIVEN, connection_options
from proxyctl.cli.renamed import renamed

if TYPE_CHECKING:
    from proxyctl.config import Settings
    from proxyctl.reach import ConnectionOptions


PROBES = "Probes"
TRIGGER = "Trigger"
END = "End and report"


@connection_options
def failover_test(
    ctx: typer.Context,
    connection: "ConnectionOptions" = GIVEN,
    db_cluster: Annotated[
        str | None,
        typer.Option(
            metavar="ID",
            help="The Aurora cluster to fail over and probe directly "
            "(default: the proxy's target).",
        ),
    ] = None,
    _cluster: Annotated[str | None, renamed("--cluster")] = None,
    no_direct: Annotated[
        bool,
        typer.Option(
            "--no-direct",
            help="Do not probe the cluster's writer endpoint.",
            rich_help_panel=PROBES,
        ),
    ] = False,
    endpoint: Annotated[
        list[str] | None,
        typer.Option(
            metavar="LABEL=HOST[:PORT]",
            help="Probe another endpoint too, e.g. a reader: read-only probes, never "
            "written to (repeatable).",
            rich_help_panel=PROBES,
        ),
    ] = None,
    writer_endpoint: Annotated[
        list[str] | None,
        typer.Option(
            metavar="LABEL=HOST[:PORT]",
            help="Probe another name that should reach the writer, e.g. a custom DNS name: "
            "landing on a read-only server counts as down there (repeatable).",
            rich_help_panel=PROBES,
        ),
    ] = None,
    interval: Annotated[
        float,
        typer.Option(
            min=0.02,
            metavar="SECONDS",
            help="A probe starts every this often, on a fixed schedule.",
            rich_help_panel=PROBES,
        ),
    ] = 0.2,
    probe_timeout: Annotated[
        float,
        typer.Option(
            min=0.1,
            metavar="SECONDS",
            help="Bound on each probe: a probe without an answer by then fails as a timeout.",
            rich_help_panel=PROBES,
        ),
    ] = 2.0,
    stall: Annotated[
        float,
        typer.Option(
            min=0.01,
            metavar="SECONDS",
            help="A probe answered later than this counts as down from its start to its "
            "answer (a stall: a proxy holding clients), as a failed one does.",
            rich_help_panel=PROBES,
        ),
    ] = 1.0,
    mode: Annotated[
        str,
        typer.Option(
            metavar="MODE",
            help="reconnect (a connection per probe) or persistent (one, reopened on failure).",
            rich_help_panel=PROBES,
        ),
    ] = "reconnect",
    write: Annotated[
        bool,
        typer.Option(
            "--write",
            help="Also insert into a heartbeat table: measure when writes are accepted again.",
            rich_help_panel=PROBES,
        ),
    ] = False,
    heartbeat_table: Annotated[
        str,
        typer.Option(
            metavar="NAME",
            help="The heartbeat table for --write (created when missing).",
            rich_help_panel=PROBES,
        ),
    ] = "proxyctl_heartbeat",
    trigger: Annotated[
        str,
        typer.Option(
            metavar="KIND",
            help="aws (FailoverDBCluster), none (observe one started elsewhere) or command.",
            rich_help_panel=TRIGGER,
        ),
    ] = "aws",
    trigger_command: Annotated[
        str | None,
        typer.Option(
            metavar="CMD",
            help="With --trigger command: run this (through the shell) once, in its own "
            "process group, and wait for it (up to --timeout); it fails the drill with exit 7 "
            "when it fails or has not ended. It gets your environment as you started "
            "proxyctl (your AWS keys, say), never a secret or token that proxyctl fetched or "
            "made; its output goes to stderr.",
            rich_help_panel=TRIGGER,
        ),
    ] = None,
    target_instance: Annotated[
        str | None,
        typer.Option(
            metavar="ID",
            help="With --trigger aws: the instance to promote.",
            rich_help_panel=TRIGGER,
        ),
    ] = None,
    baseline: Annotated[
        float,
        typer.Option(
            min=0,
            metavar="SECONDS",
            help="Healthy probing before the trigger; 0 fires it at once.",
            rich_help_panel=TRIGGER,
        ),
    ] = 5.0,
    settle: Annotated[
        float,
        typer.Option(
            min=0,
            metavar="SECONDS",
            help="End once every endpoint has been healthy this long after the failover.",
            rich_help_panel=END,
        ),
    ] = 10.0,
    timeout: Annotated[
        float,
        typer.Option(
            min=1,
            metavar="SECONDS",
            help="End at the latest after this (the report says so).",
            rich_help_panel=END,
        ),
    ] = 300.0,
    report: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="Write a report: .json (every sample), .md or .html.",
            rich_help_panel=END,
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Replace an existing --report file without asking "
            "(default: ask on a terminal, refuse elsewhere).",
            rich_help_panel=END,
        ),
    ] = False,
    max_downtime: Annotated[
        float | None,
        typer.Option(
            min=0,
            metavar="SECONDS",
            help="Exit 6 when the proxy endpoint was down longer.",
            rich_help_panel=END,
        ),
    ] = None,
    max_downtime_direct: Annotated[
        float | None,
        typer.Option(
            min=0,
            metavar="SECONDS",
            help="Exit 6 when the direct endpoint was down longer.",
            rich_help_panel=END,
        ),
    ] = None,
    allow_no_failover: Annotated[
        bool,
        typer.Option(
            "--allow-no-failover",
            help="Let the --max-downtime gates pass a drill in which no endpoint failed or "
            "stalled and the writer did not change (by default: exit 6, no failover observed).",
            rich_help_panel=END,
        ),
    ] = False,
    skip_preflight: Annotated[
        bool, typer.Option("--skip-preflight", help="Skip the checks before the drill.")
    ] = False,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Start without asking (as the global --yes).")
    ] = False,
) -> None:
    """Run a failover drill and measure each endpoint's downtime, proxy against direct.

    Probes the proxy and the cluster's writer endpoint side by side on a fixed
    schedule, triggers one failover after a healthy baseline, watches the writer
    change, and ends when every endpoint has settled (or at --timeout). A probe
    that fails, or answers later than --stall, is down from its start to its
    answer. The trigger fires at most once: never on retry, never on Ctrl-C.
    Ctrl-C writes the partial report and exits 130; --max-downtime makes the
    drill a gate (exit 6); a --trigger-command that fails, or has not ended at
    --timeout, exits 7.

    \b
    Examples:
      proxyctl failover-test --proxy orders --user app --report drill.html
      proxyctl failover-test --proxy orders --user app --max-downtime 10 --yes
      proxyctl failover-test --host db.test --no-direct --auth password --user app \\
        --trigger command --trigger-command 'pg_ctl promote -D /srv/standby' --yes
    """
    from proxyctl.cli.drill_view import show_result
    from proxyctl.cli.failover_target import may_replace, reach, screen
    from proxyctl.drill import flow
    from proxyctl.drill.options import FailoverOptions

    app = ctx.obj
    settings: Settings = app.settings
    settings.yes = settings.yes or yes
    if report is not None:
        may_replace(app, report, force)
    options = FailoverOptions(
        **asdict(connection),
        db_cluster=db_cluster,
        no_direct=no_direct,
        endpoint=endpoint,
        writer_endpoint=writer_endpoint,
        interval=interval,
        probe_timeout=probe_timeout,
        mode=mode,
        write=write,
        heartbeat_table=heartbeat_table,
        trigger=trigger,
        trigger_command=trigger_command,
        target_instance=target_instance,
        baseline=baseline,
        settle=settle,
        timeout=timeout,
        report=report,
        max_downtime=max_downtime,
        max_downtime_direct=max_downtime_direct,
        skip_preflight=skip_preflight,
        stall=stall,
        allow_no_failover=allow_no_failover,
        yes=settings.yes,
    )
    show_result(settings, flow.run(options, reach(app, options), screen(app)))
