"""`proxyctl pinning`: the statements that pin sessions, with the fix for each."""

# No `from __future__ import annotations`: Typer reads these annotations at start-up.
from typing import TYPE_CHECKING, Annotated

import typer

from proxyctl.cli.options import GIVEN, connection_options

if TYPE_CHECKING:
    from proxyctl.app import App
    from proxyctl.reach import ConnectionOptions

DB = "With --from-db"
LOGS = "With --from-logs"


@connection_options
def pinning(
    ctx: typer.Context,
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[PATH]...",
            help="SQL files, directories (every *.sql below, recursively) or - for stdin.",
            show_default=False,
        ),
    ] = None,
    from_db: Annotated[
        bool,
        typer.Option(
            "--from-db",
            help="Read the statements pg_stat_statements holds, over the connection options.",
            rich_help_panel=DB,
        ),
    ] = False,
    from_logs: Annotated[
        str | None,
        typer.Option(
            metavar="NAME",
            help="Read the pinned-session lines of proxy NAME's log (/aws/rds/proxy/NAME).",
            rich_help_panel=LOGS,
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            metavar="DURATION",
            help="With --from-logs: how far back to read, e.g. 90s, 30m, 2h, 1d. Default: 1h.",
            rich_help_panel=LOGS,
        ),
    ] = None,
    fail_on: Annotated[
        str | None,
        typer.Option(
            metavar="pin",
            help="pin: exit 6 when any statement (or log line) pins a session, for CI. "
            "Default: report only, exit 0.",
        ),
    ] = None,
    connection: "ConnectionOptions" = GIVEN,
    connect_timeout: Annotated[
        float,
        typer.Option(
            min=1,
            metavar="SECONDS",
            help="With --from-db: bound on connecting (libpq counts whole seconds).",
            rich_help_panel=DB,
        ),
    ] = 10.0,
) -> None:
    """Find the statements that pin sessions to one database connection, and the fix.

    A pinned session keeps its database connection until it ends: the proxy no
    longer multiplexes it. Reads SQL files (file:line for each finding),
    pg_stat_statements (--from-db, with the connection options), or the lines
    the proxy logged about pinned sessions (--from-logs NAME, over --since;
    --proxy NAME alone does the same). Groups the findings by rule with AWS's
    wording and the fix, names drivers that send such statements by themselves,
    and writes the initialization query to move SETs to. Exit 0, or 6 with
    --fail-on pin when something pins.

    \b
    Examples:
      proxyctl pinning migrations/ app/queries.sql
      git show HEAD:db/seed.sql | proxyctl pinning -
      proxyctl pinning --from-db --proxy orders --user app
      proxyctl pinning --from-logs orders --since 2h
      proxyctl pinning sql/ --fail-on pin
    """
    from proxyctl.observe.pinning_sources import request_from, run

    app: App = ctx.obj
    if not from_db:
        connection = _typed_only(ctx, connection)
    request = request_from(paths or [], from_db, from_logs, since, fail_on, connection)
    request.timeout = connect_timeout
    run(app, request)


def _typed_only(ctx: typer.Context, o: "ConnectionOptions") -> "ConnectionOptions":
    """The connection options typed on the command line. Those from the config file or the
    environment (a context such as the lab's names a user and a CA bundle) serve
    --from-db; they are no reason to refuse files or --from-logs, and a configured proxy
    does not mean "read its log"."""
    from dataclasses import replace

    from typer._click.core import ParameterSource

    def typed(name: str, value: str | None) -> str | None:
        return value if ctx.get_parameter_source(name) == ParameterSource.COMMANDLINE else None

    return replace(
        o,
        proxy=typed("proxy", o.proxy),
        host=typed("host", o.host),
        user=typed("user", o.user),
        auth=typed("auth", o.auth),
        via=typed("via", o.via),
        ca_bundle=typed("ca_bundle", o.ca_bundle),
    )
