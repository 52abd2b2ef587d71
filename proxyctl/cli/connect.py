"""`proxyctl connect`: a SQL shell through the proxy, scripts, or a hand-off to psql/pgcli."""

# No `from __future__ import annotations`: Typer reads these annotations at start-up.
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from proxyctl.cli.options import GIVEN, connection_options
from proxyctl.errors import UsageError

if TYPE_CHECKING:
    from proxyctl.app import App
    from proxyctl.reach import ConnectionOptions
    from proxyctl.shell.core import Shell

FORMATS = ("table", "csv", "tsv")
CLIENTS = ("psql", "pgcli")


@connection_options
def connect(
    ctx: typer.Context,
    connection: "ConnectionOptions" = GIVEN,
    command: Annotated[
        list[str] | None,
        typer.Option(
            "--command",
            "-c",
            metavar="SQL",
            help="Run SQL and exit (repeatable; run in order, stopping at the first error "
            "with exit 5). Default: the interactive shell on a terminal.",
        ),
    ] = None,
    file: Annotated[
        str | None,
        typer.Option(
            "--file",
            "-f",
            metavar="FILE",
            help="Run the statements in FILE (- for standard input) and exit, as -c. "
            "Default: none; standard input that is not a terminal is read the same way.",
        ),
    ] = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            metavar="FORMAT",
            help="Results of -c/-f: table, csv or tsv. Default: table.",
        ),
    ] = "table",
    exec_client: Annotated[
        str | None,
        typer.Option(
            "--exec",
            metavar="CLIENT",
            help="Hand the connection to psql or pgcli in environment variables only "
            "(a fresh token in PGPASSWORD). Default: proxyctl's own shell.",
        ),
    ] = None,
    confirm: Annotated[
        bool,
        typer.Option(
            "--confirm/--no-confirm",
            help="Ask before DROP, TRUNCATE, and DELETE or UPDATE without WHERE (setting "
            "`confirm`). Default: ask.",
        ),
    ] = True,
    warn_pinning: Annotated[
        bool,
        typer.Option(
            "--warn-pinning/--no-warn-pinning",
            help="Warn before a statement that pins the session to one database connection "
            "(setting `warn_pinning`). Default: warn.",
        ),
    ] = True,
) -> None:
    """Open a SQL shell through the proxy, with a fresh token on every (re)connect.

    On a terminal: an interactive shell (\\? lists its commands: \\conninfo,
    \\pinning, \\reconnect, \\x, \\timing, \\d with the `shell` extra). It warns
    before statements that pin the session, asks before statements that destroy
    data, and says plainly that Ctrl-C cannot cancel through a proxy. With -c or
    -f (or statements on standard input): run them and exit; exit 5 at the first
    error. --output json writes one document with every statement's rows.

    \b
    Examples:
      proxyctl connect --proxy orders --user app --database shop
      proxyctl connect --proxy orders --user app -c "select count(*) from orders"
      proxyctl --output json connect --proxy orders --user app -f report.sql
      proxyctl connect --proxy orders --user app --exec psql
    """
    from proxyctl import reach

    app: App = ctx.obj
    _check_choices(fmt, exec_client, command, file)
    target = reach.find(app, connection).target()
    if exec_client is not None:
        from proxyctl.shell import handoff

        raise typer.Exit(handoff.run(target, exec_client, _say))
    from proxyctl.shell.core import Choices, Shell

    shell = Shell(
        app, target, check_command(connection, target.user), Choices(confirm, warn_pinning), _say
    )
    scripted = bool(command) or file is not None or not sys.stdin.isatty()
    if scripted:
        _script(shell, command or [], file, fmt)
        return
    if app.json:
        raise UsageError(
            "--output json needs statements: give -c SQL or -f FILE.", field="--output"
        )
    from proxyctl.shell.repl import start

    start(shell)


def _check_choices(
    fmt: str, client: str | None, command: list[str] | None, file: str | None
) -> None:
    if fmt not in FORMATS:
        raise UsageError(f"--format: {fmt!r} is not one of {', '.join(FORMATS)}.", field="--format")
    if client is not None and client not in CLIENTS:
        raise UsageError(f"--exec: {client!r} is not psql or pgcli.", field="--exec")
    if client is not None and (command or file is not None):
        raise UsageError("--exec hands the shell over: leave out -c and -f.", field="--exec")


def _script(shell: "Shell", command: list[str], file: str | None, fmt: str) -> None:
    from proxyctl.shell import script

    text = script.read_file(file) if file is not None else None
    if not command and file is None:
        text = sys.stdin.read()  # statements on a pipe or from a file: `< setup.sql`
    sqls = script.statements(command, text)
    if not sqls:
        raise UsageError(
            "no statements to run (-c, -f or standard input were empty).", field="--command"
        )
    try:
        script.run(shell, sqls, fmt)
    finally:
        shell.close()


def _say(text: str) -> None:
    from proxyctl.output import clean

    sys.stderr.write(clean(text) + "\n")
    sys.stderr.flush()


def check_command(o: "ConnectionOptions", user: str) -> str:
    """`proxyctl check` with the same connection options, quoted for a shell."""
    import shlex

    words = ["proxyctl", "check"]
    for flag, value in (
        ("--proxy", o.proxy),
        ("--host", o.host),
        ("--port", None if o.port == 5432 else str(o.port)),
        ("--user", user),
        ("--database", o.database),
        ("--auth", o.auth),
        ("--via", o.via),
        ("--ca-bundle", o.ca_bundle),
    ):
        if value is not None:
            words += [flag, value]
    return " ".join(shlex.quote(w) for w in words)
