"""Connection options that several commands share, declared once (see CLI.md)."""

# No `from __future__ import annotations`: Typer reads these annotations at start-up.
from typing import Annotated

import typer

Port = Annotated[int, typer.Option(min=1, max=65535, metavar="PORT", help="The endpoint's port.")]
DatabaseUser = Annotated[
    str | None, typer.Option(metavar="USER", help="Database user to sign in as.")
]
DatabaseName = Annotated[str, typer.Option(metavar="DB", help="Database to connect to.")]
CaBundle = Annotated[
    str | None,
    typer.Option(
        metavar="PATH",
        help="CA certificates (PEM) to verify the server with. Proxy endpoints keep "
        "Amazon's roots and trust these too; other endpoints trust only these. Default: "
        "Amazon's roots (certifi) for proxy endpoints, this machine's CA file otherwise.",
    ),
]
