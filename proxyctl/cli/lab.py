"""`proxyctl lab`: the whole RDS Proxy story on this machine, with no AWS account."""

# No `from __future__ import annotations` in command modules (see cli/token.py).
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    pass

app = typer.Typer(
    no_args_is_help=True,
    help="""Run a local stand-in for AWS and the database: every command, no AWS account.

    `lab up` starts, on free loopback ports: the AWS stand-in (moto's server) with an
    Aurora PostgreSQL cluster `orders` (writer and reader, an RDS-managed secret, subnets
    in two AZs); a real PostgreSQL primary and streaming standby (TLS, SCRAM,
    pg_stat_statements) whose `postgres` user has the secret's password; PgBouncer in
    transaction mode; and a lab daemon. For every proxy you then make with
    `proxyctl init` (as against AWS) the daemon starts a proxy front within seconds: TLS
    with a certificate for the proxy's endpoint name from the lab's CA, IAM tokens
    checked against the lab's credentials, RDS Proxy's error texts, pin log lines and
    CloudWatch metrics in the stand-in. The cluster's writer endpoint follows a failover
    only after --dns-delay seconds (an emulation of DNS and client caches), and a
    failover (`failover-test --trigger aws`, `lab failover`) promotes the standby, moves
    PgBouncer and rebuilds the old primary as the new standby, so drills repeat.

    \b
    What the lab does not reproduce:
      - multiplexing efficiency (PgBouncer is not RDS Proxy's pooler);
      - pin enforcement: pins are detected and logged, the pooler still multiplexes;
      - Amazon-rooted certificates: the lab's CA signs them (lab env names it);
      - IAM policy evaluation: any valid token of the lab's credentials is let in;
      - target-health reasons; proxy endpoints (only each proxy's default endpoint);
      - password sign-in on the cluster's writer endpoint: it takes IAM tokens only.

    \b
    Examples:
      proxyctl lab up && eval "$(proxyctl lab env)"
      proxyctl init && proxyctl check --proxy orders-proxy --user postgres
      proxyctl lab failover
      proxyctl lab down
    """,
)

LabDir = Annotated[
    Path | None,
    typer.Option(
        "--dir",
        metavar="DIR",
        help="The lab's directory (state, logs, data, certificates). Default: "
        "proxyctl/lab in the user state dir ($XDG_STATE_HOME or ~/.local/state).",
    ),
]


def _dir(given: Path | None) -> Path:
    from proxyctl.lab.state import default_dir

    return (given or default_dir()).expanduser().absolute()


def _say(text: str) -> None:
    from proxyctl.output import note

    note(f"lab: {text}")


@app.command("up")
def up(
    ctx: typer.Context,
    directory: LabDir = None,
    dns_delay: Annotated[
        float,
        typer.Option(
            "--dns-delay",
            metavar="SECONDS",
            min=0,
            help="How long after a promotion the cluster's writer endpoint still leads "
            "to the old writer (an emulation of DNS TTL and client caches). Default: 20.",
        ),
    ] = 20.0,
) -> None:
    """Start the lab (harmless when it runs already); progress on stderr.

    \b
    Examples:
      proxyctl lab up
      proxyctl lab up --dir /tmp/lab --dns-delay 5
    """
    from proxyctl.lab.lifecycle import up as start
    from proxyctl.output import emit

    emit(start(_dir(directory), dns_delay, _say), ctx.obj.json)


@app.command("down")
def down(
    ctx: typer.Context,
    directory: LabDir = None,
    keep: Annotated[
        bool,
        typer.Option("--keep", help="Keep the lab directory (logs, data). Default: remove it."),
    ] = False,
) -> None:
    """Stop every process of the lab and remove its directory; also cleans a lab whose
    processes died.

    \b
    Examples:
      proxyctl lab down
      proxyctl lab down --keep
    """
    from proxyctl.lab.lifecycle import down as stop
    from proxyctl.output import emit

    emit(stop(_dir(directory), keep, _say), ctx.obj.json)


@app.command("status")
def status(ctx: typer.Context, directory: LabDir = None) -> None:
    """What the lab runs, where, and whether each part answers; exit 6 when one does not.

    \b
    Examples:
      proxyctl lab status
      proxyctl --output json lab status
    """
    from proxyctl.lab.view import status_of
    from proxyctl.output import emit

    found = status_of(_dir(directory))
    emit(found, ctx.obj.json)
    if not found.healthy:
        raise typer.Exit(6)


@app.command("env")
def env(ctx: typer.Context, directory: LabDir = None) -> None:
    """Print the lines that point proxyctl and psql at the lab, for
    eval "$(proxyctl lab env)": the lab's config file and its context `lab` (endpoint
    URL, region, CA bundle, the names the lab serves), the lab's credentials, and
    PGSSLROOTCERT. Your own config file and AWS configuration are not touched. With
    --output json, the variables as one document.

    \b
    Examples:
      eval "$(proxyctl lab env)"
      proxyctl lab env --dir /tmp/lab
    """
    from proxyctl.lab.view import env_lines, env_of
    from proxyctl.output import emit

    if ctx.obj.json:
        emit(env_of(_dir(directory)), True)
    else:
        sys.stdout.write(env_lines(_dir(directory)))


@app.command("failover")
def failover(ctx: typer.Context, directory: LabDir = None) -> None:
    """Fail the cluster over now (FailoverDBCluster on the stand-in, as
    `failover-test --trigger aws` does) and wait until the standby is promoted.

    \b
    Examples:
      proxyctl lab failover
    """
    from proxyctl.lab.view import failover_of
    from proxyctl.output import emit

    emit(failover_of(_dir(directory)), ctx.obj.json)
