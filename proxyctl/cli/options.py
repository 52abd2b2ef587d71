"""The connection options, declared once for every command that connects (CLI.md):
a command's signature takes these and hands them to proxyctl.reach as a
ConnectionOptions, so that each flag means and defaults the same everywhere."""

# No `from __future__ import annotations`: Typer reads these annotations at start-up.
from typing import Annotated

import typer

ProxyName = Annotated[
    str | None,
    typer.Option(metavar="NAME", help="The proxy: its endpoint is looked up in AWS."),
]
HostName = Annotated[
    str | None,
    typer.Option(
        metavar="HOST", help="The endpoint's host name, taken as given (instead of --proxy)."
    ),
]
Port = Annotated[int, typer.Option(min=1, max=65535, metavar="PORT", help="The endpoint's port.")]
DatabaseUser = Annotated[
    str | None,
    typer.Option(metavar="USER", help="Database user to sign in as (asked when missing)."),
]
DatabaseName = Annotated[str, typer.Option(metavar="DB", help="Database to connect to.")]
AuthMode = Annotated[
    str | None,
    typer.Option(
        metavar="MODE",
        help="iam (a token, made anew before it expires), secret (the proxy's secret for "
        "--user) or password (PGPASSWORD, or a prompt). Default: iam, or secret when the "
        "proxy has IAM auth off.",
    ),
]
Via = Annotated[
    str | None,
    typer.Option(
        metavar="HOST:PORT",
        help="Reach the endpoint through a local tunnel; TLS and the token still use "
        "the real host name. Default: connect to the endpoint itself.",
    ),
]
CaBundle = Annotated[
    str | None,
    typer.Option(
        metavar="PATH",
        help="CA certificates (PEM) to verify the server with. Proxy endpoints keep "
        "Amazon's roots and trust these too; other endpoints trust only these. Default: "
        "Amazon's roots (certifi) for proxy endpoints, this machine's CA file otherwise.",
    ),
]
