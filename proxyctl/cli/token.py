"""`proxyctl token`: IAM auth tokens, and `token inspect` to read one."""

# No `from __future__ import annotations` in command modules: Typer would have to
# evaluate every annotation string at start-up, which slows `proxyctl --help`.
import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from proxyctl.cli.options import CaBundle, DatabaseUser, HostName, Port, ProxyName

if TYPE_CHECKING:
    from proxyctl.app import App

app = typer.Typer()


class TokenFormat(StrEnum):
    token = "token"
    env = "env"
    uri = "uri"
    json = "json"


@app.callback(invoke_without_command=True)
def token(
    ctx: typer.Context,
    proxy: ProxyName = None,
    host: HostName = None,
    port: Port = 5432,
    user: DatabaseUser = None,
    database: Annotated[
        str,
        typer.Option(metavar="DB", help="Database to connect to, for --format env and uri."),
    ] = "postgres",
    fmt: Annotated[
        TokenFormat,
        typer.Option(
            "--format",
            case_sensitive=False,
            help="token (the bare token), env (export lines), uri, or json.",
        ),
    ] = TokenFormat.token,
    ca_bundle: CaBundle = None,
) -> None:
    """Make an IAM auth token for a proxy (valid 15 minutes).

    The token is signed locally with your AWS credentials for the real host name
    and port; IAM auth needs TLS, so connect with sslmode=verify-full. The region
    comes from the settings, or else from an *.rds.amazonaws.com host name, or
    else from the AWS profile. --output json prints the token as JSON whatever
    --format says. --format env and uri also name the CA file that verifies the
    endpoint (PGSSLROOTCERT, sslrootcert), as check chooses it: Amazon's roots
    (certifi's bundle) for a proxy endpoint, --ca-bundle, or the system's CA file.

    \b
    Examples:
      proxyctl token --host myproxy.proxy-abc123.us-east-1.rds.amazonaws.com --user app
      eval "$(proxyctl token --proxy myproxy --user app --format env)" && psql
      proxyctl token --proxy myproxy --user app | proxyctl token inspect -
    """
    if ctx.invoked_subcommand is not None:
        return
    from proxyctl import reach
    from proxyctl.aws.signing import issue_token
    from proxyctl.output import emit

    application: App = ctx.obj
    options = reach.ConnectionOptions(proxy, host, port, user, database, ca_bundle=ca_bundle)
    found = reach.find(application, options)
    if found.proxy is not None and found.proxy.status != "available":
        application.warn(
            f"proxy {found.proxy.name} is {found.proxy.status}; the token is valid but "
            "connections may fail."
        )
    target = found.target()
    settings = application.settings
    made, warning = issue_token(
        settings.named_profile,
        settings.region,
        target.host,
        target.port,
        target.user,
        target.database,
        target.region,
    )
    if warning:
        application.warn(warning)
    # The CA file that verifies the endpoint, as check chooses it; what is missing from it.
    made.sslrootcert, missing = target.cafile, target.store_hint
    if missing and fmt in (TokenFormat.env, TokenFormat.uri) and not settings.json:
        application.warn(missing)
    made.fmt = fmt.value
    emit(made, settings.json or fmt is TokenFormat.json)


@app.command("inspect")
def inspect(
    ctx: typer.Context,
    token: Annotated[
        str, typer.Argument(metavar="TOKEN", help="The token, or - to read it from stdin.")
    ],
) -> None:
    """Decode an IAM auth token offline: host, user, region, key id, expiry.

    Nothing is sent anywhere and the signature is not checked (only AWS can).
    Reading the token from stdin keeps it out of the shell history.

    \b
    Examples:
      proxyctl token --host myproxy.proxy-abc123.us-east-1.rds.amazonaws.com --user app \\
        | proxyctl token inspect -
      proxyctl --output json token inspect - < token.txt
    """
    from datetime import UTC, datetime

    from proxyctl.output import emit
    from proxyctl.tokens import inspect_token

    application: App = ctx.obj
    text = sys.stdin.read() if token == "-" else token
    emit(inspect_token(text, datetime.now(UTC)), application.json)
