"""`proxyctl check`: connectivity and TLS, phase by phase, then the control plane."""

# No `from __future__ import annotations`: Typer reads these annotations at start-up.
from typing import TYPE_CHECKING, Annotated

import typer

from proxyctl.cli.options import GIVEN, connection_options

if TYPE_CHECKING:
    from proxyctl.app import App
    from proxyctl.reach import ConnectionOptions

AWS = "Control plane"


@connection_options
def check(
    ctx: typer.Context,
    connection: "ConnectionOptions" = GIVEN,
    connect_timeout: Annotated[
        float,
        typer.Option(
            min=0.1,
            metavar="SECONDS",
            help="Bound on each step: name lookup, each TCP connect, each TLS read, sign-in "
            "(2 s at least, libpq's minimum) and each query.",
        ),
    ] = 5.0,
    samples: Annotated[
        int,
        typer.Option(
            min=0, max=10000, metavar="N", help="Round trips to time after the first query."
        ),
    ] = 10,
    skip_aws: Annotated[
        bool,
        typer.Option("--skip-aws", help="Leave out the control-plane checks.", rich_help_panel=AWS),
    ] = False,
    source_sg: Annotated[
        list[str] | None,
        typer.Option(
            metavar="SG",
            help="The caller's security group, to check the proxy lets it in (repeatable).",
            rich_help_panel=AWS,
        ),
    ] = None,
    source_cidr: Annotated[
        list[str] | None,
        typer.Option(
            metavar="CIDR",
            help="The caller's address range, to check the proxy lets it in (repeatable).",
            rich_help_panel=AWS,
        ),
    ] = None,
) -> None:
    """Test the way to the database phase by phase and say what to fix.

    Data plane, each phase timed: DNS, TCP, TLS (certificate, chain and host
    name, against the trust store that fits the endpoint), sign-in, a query
    and round-trip latency. With --proxy, then the control plane: proxy status,
    TLS and IAM settings, target health, secrets, the role, security groups
    and subnets. Each phase is shown as it ends; Ctrl-C keeps what ran (exit
    130). Exit 0 when nothing failed, 6 when a check failed.

    \b
    Examples:
      proxyctl check --proxy orders --user app
      proxyctl check --proxy orders --user app --via localhost:6432
      proxyctl check --host db.example.com --user app --auth password --ca-bundle ca.pem
      proxyctl --output json check --proxy orders --user app --source-cidr 10.0.0.0/16
    """
    from proxyctl import reach
    from proxyctl.check.run import CheckOptions, check_options, run
    from proxyctl.cli.check_view import CheckView

    app: App = ctx.obj
    options = CheckOptions(
        timeout=connect_timeout,
        samples=samples,
        skip_aws=skip_aws,
        source_sgs=source_sg or [],
        source_cidrs=source_cidr or [],
    )
    check_options(options)
    found = reach.find(app, connection)
    run(app, found.target(), options, CheckView(app.json), found.proxy)
