"""The connection options, declared once for every command that connects (CLI.md):
`connection_options` puts them in a command's signature and hands them to it as one
proxyctl.reach.ConnectionOptions, so that each flag means and defaults the same
everywhere."""

# No `from __future__ import annotations`: Typer reads these annotations at start-up.
import functools
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, cast

import typer

if TYPE_CHECKING:
    from proxyctl.reach import ConnectionOptions

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

# The options in the order --help lists them, each with its default.
_SHARED = (
    ("proxy", ProxyName, None),
    ("host", HostName, None),
    ("port", Port, 5432),
    ("user", DatabaseUser, None),
    ("database", DatabaseName, "postgres"),
    ("auth", AuthMode, None),
    ("via", Via, None),
    ("ca_bundle", CaBundle, None),
)
_PARAMETERS = [
    inspect.Parameter(
        name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=default, annotation=kind
    )
    for name, kind, default in _SHARED
]
# A command's `connection` parameter defaults to this; `connection_options` always gives it.
GIVEN = cast("ConnectionOptions", None)

Command = TypeVar("Command", bound=Callable[..., Any])


def connection_options(command: Command) -> Command:
    """COMMAND takes the connection options in place of its `connection` parameter (so
    --help lists them where it stands) and is called with them as one ConnectionOptions."""
    signature = inspect.signature(command)
    own = list(signature.parameters.values())
    at = [p.name for p in own].index("connection")
    parameters = [*own[:at], *_PARAMETERS, *own[at + 1 :]]

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        from proxyctl.reach import ConnectionOptions

        given = {name: kwargs.pop(name) for name, _, _ in _SHARED}
        return command(*args, connection=ConnectionOptions(**given), **kwargs)

    run.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    run.__annotations__ = {
        p.name: p.annotation for p in parameters if p.annotation is not inspect.Parameter.empty
    } | {"return": signature.return_annotation}
    return cast(Command, run)
