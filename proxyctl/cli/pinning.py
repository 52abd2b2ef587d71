"""`proxyctl pinning`: the statements that pin sessions, with the fix for each."""

# No `from __future__ import annotations`: Typer reads these annotations at start-up.
from typing import TYPE_CHECKING, Annotated

import typer

from proxyctl.cli.options import (
    AuthMode,
    CaBundle,
    DatabaseName,
    DatabaseUser,
    HostName,
    Port,
    ProxyName,
    Via,
)

if TYPE_CHECKING:
    from proxyctl.app import App

DB = "With --from-db"
LOGS = "With --from-logs"


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
    proxy: ProxyName = None,
    host: HostName = None,
    port: Port = 5432,
    user: DatabaseUser = None,
    database: DatabaseName = "postgres",
    auth: AuthMode = None,
    via: Via = None,
    ca_bundle: CaBundle = None,
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
    from proxyctl import reach
    from proxyctl.observe.pinning_sources import request_from, run

    app: App = ctx.obj
    connection = reach.ConnectionOptions(proxy, host, port, user, database, auth, via, ca_bundle)
    request = request_from(paths or [], from_db, from_logs, since, fail_on, connection)
    request.timeout = connect_timeout
    run(app, request)
