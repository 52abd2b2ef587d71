"""`proxyctl token`: IAM auth tokens, and `token inspect` to read one."""

# No `from __future__ import annotations` in command modules: Typer would have to
# evaluate every annotation string at start-up, which slows `proxyctl --help`.
import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from proxyctl.cli.options import CaBundle
from proxyctl.errors import UsageError

if TYPE_CHECKING:
    from proxyctl.config import Settings

app = typer.Typer()


class TokenFormat(StrEnum):
    token = "token"
    env = "env"
    uri = "uri"
    json = "json"


@app.callback(invoke_without_command=True)
def token(
    ctx: typer.Context,
    proxy: Annotated[
        str | None,
        typer.Option(metavar="NAME", help="Proxy name: its endpoint is looked up in AWS."),
    ] = None,
    host: Annotated[
        str | None, typer.Option(metavar="HOST", help="Endpoint host name to sign for.")
    ] = None,
    port: Annotated[
        int, typer.Option(min=1, max=65535, metavar="PORT", help="Endpoint port.")
    ] = 5432,
    user: Annotated[
        str | None, typer.Option(metavar="USER", help="Database user the token is for.")
    ] = None,
    database: Annotated[
        str, typer.Option(metavar="DB", help="Database name, for --format env and uri.")
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
    from proxyctl import validate
    from proxyctl.aws.signing import issue_token
    from proxyctl.output import emit, warn

    settings: Settings = ctx.obj.settings
    if proxy is not None and host is not None:
        raise UsageError("--proxy and --host both name the endpoint: give one.", field="--proxy")
    if proxy is None and host is None:
        raise UsageError(
            "give --proxy NAME or --host HOST.",
            hint="--proxy looks the endpoint up in AWS; --host signs for a host name as given.",
            field="--host",
        )
    if user is None:
        user = ctx.obj.ask.text("--user", "Database user:", "", validate.db_user)
    validate.db_user(user)
    region = None
    if proxy is not None:
        host, region = _proxy_endpoint(settings, validate.proxy_name(proxy))
    target = validate.host(str(host))
    made, warning = issue_token(
        settings.named_profile, settings.region, target, port, user, database, region
    )
    if warning:
        warn(warning)
    made.sslrootcert, missing = root_cert(target, ca_bundle)
    if missing and fmt in (TokenFormat.env, TokenFormat.uri) and not settings.json:
        warn(missing)
    made.fmt = fmt.value
    emit(made, settings.json or fmt is TokenFormat.json)


def root_cert(host: str, ca_bundle: str | None) -> tuple[str | None, str | None]:
    """The CA file that verifies `host` for libpq, and what is missing when it cannot.

    The trust store is the one `check` uses for the same host: --ca-bundle when given
    (with Amazon's roots for a proxy endpoint), Amazon's roots (certifi) for a proxy
    endpoint, the system's CA file otherwise; a direct RDS endpoint without --ca-bundle
    gets the system's file and the hint to download the RDS CA bundle.
    """
    from pathlib import Path

    from proxyctl.check.tlsreport import trust_store

    if ca_bundle is not None:
        path = Path(ca_bundle).expanduser()
        if not path.is_file():
            raise UsageError(f"--ca-bundle: no file {ca_bundle}.", field="--ca-bundle")
        ca_bundle = str(path.resolve())  # still right after a cd
    found, _name, missing = trust_store(host, ca_bundle)
    return found, missing


def _proxy_endpoint(settings: "Settings", name: str) -> tuple[str, str]:
    from proxyctl.aws import proxies, session
    from proxyctl.output import warn

    rds = session.client(settings, "rds")
    found = proxies.describe_proxy(rds, name, rds.meta.region_name)
    if found.status != "available":
        warn(f"proxy {name} is {found.status}; the token is valid but connections may fail.")
    return found.endpoint, str(rds.meta.region_name)


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

    settings: Settings = ctx.obj.settings
    text = sys.stdin.read() if token == "-" else token
    emit(inspect_token(text, datetime.now(UTC)), settings.json)
