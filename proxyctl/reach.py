"""How every command reaches a database: the connection options, checked and resolved
into a Target in one place, with the same defaults for every command.

`find` looks the endpoint up once (DescribeDBProxies with --proxy), asks for what is
missing through the App, and settles the sign-in method: iam, unless --auth says
otherwise or the proxy has IAM auth off (then its secret). `Found.target()` is the
Target of the endpoint the options name; `Found.target(host, port)` another endpoint of
the same database (a drill's cluster endpoint) with the same user and sign-in. The host
mapping (proxyctl.hostmap: PROXYCTL_RESOLVE or the config key `resolve`) gives any
endpoint without --via the address to dial.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from proxyctl import hostmap, validate
from proxyctl.db.target import Target, trust_store
from proxyctl.db.tokencache import TokenCache
from proxyctl.errors import UsageError
from proxyctl.logs import remember_secret

if TYPE_CHECKING:
    from proxyctl.app import App
    from proxyctl.model.proxy import Proxy

USER_QUESTION = "Database user:"


@dataclass
class ConnectionOptions:
    """The connection options as given (CLI.md): --proxy NAME or --host HOST, --port,
    --user, --database, --auth, --via HOST:PORT, --ca-bundle."""

    proxy: str | None = None
    host: str | None = None
    port: int = 5432
    user: str | None = None
    database: str = "postgres"
    auth: str | None = None  # None: iam, or the proxy's secret when its IAM auth is off
    via: str | None = None
    ca_bundle: str | None = None


def parse_via(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise UsageError(
            f"--via: {text!r} is not HOST:PORT.",
            hint="Give the local end of the tunnel, for example --via localhost:6432.",
            field="--via",
        )
    return validate.host(host.strip("[]"), field="--via"), int(port)


def check_options(o: ConnectionOptions) -> None:
    """Everything that needs no network, refused with the flag named; --ca-bundle is made
    absolute (a CA file named in printed settings stays right after a cd)."""
    if o.proxy is not None and o.host is not None:
        raise UsageError("--proxy and --host both name the endpoint: give one.", field="--proxy")
    if o.proxy is None and o.host is None:
        raise UsageError(
            "give --proxy NAME or --host HOST.",
            hint="--proxy looks the endpoint up in AWS; --host takes a host name as given.",
            field="--host",
        )
    if o.proxy is not None:
        validate.proxy_name(o.proxy)
    if o.host is not None:
        validate.host(o.host)
    if o.auth is not None:
        validate.auth_mode(o.auth)
        if o.auth == "secret" and o.proxy is None:
            raise UsageError(
                "--auth secret reads the proxy's secret: give --proxy.", field="--auth"
            )
    if o.via is not None:
        parse_via(o.via)
    if o.ca_bundle is not None:
        path = Path(o.ca_bundle).expanduser()
        if not path.is_file():
            raise UsageError(f"--ca-bundle: no file {o.ca_bundle}.", field="--ca-bundle")
        o.ca_bundle = str(path.resolve())


@dataclass
class Found:
    """What the options name, looked up once; makes the Target of each endpoint."""

    app: App
    options: ConnectionOptions
    user: str
    auth: str
    host: str
    proxy: Proxy | None = None  # the proxy (model.proxy), with --proxy
    region: str | None = None  # the proxy's region, with --proxy
    # The secret or the typed password, fetched or asked once for every endpoint.
    _shared: Callable[[], str] | None = field(default=None, repr=False)
    # The host mapping in force (proxyctl.hostmap): endpoint -> the address dialled instead.
    host_map: dict[tuple[str, int], tuple[str, int]] = field(default_factory=dict)

    def target(self, host: str | None = None, port: int | None = None) -> Target:
        """The endpoint the options name or, given HOST and PORT, another endpoint of the
        same database: --via and --port apply only to the one the options name."""
        named = host is None
        host = self.host if host is None else host
        port = self.options.port if port is None else port
        cafile, store, store_hint = trust_store(host, self.options.ca_bundle)
        return Target(
            host=host,
            port=port,
            user=self.user,
            database=self.options.database,
            auth=self.auth,
            password=self._password(host, port),
            cafile=cafile,
            store=store,
            store_hint=store_hint,
            via=self._via(host, port, named),
            proxy=self.proxy.name if self.proxy is not None else None,
            region=self.region,
        )

    def _via(self, host: str, port: int, named: bool) -> tuple[str, int] | None:
        """--via for the endpoint the options name; else the host mapping's address."""
        if named and self.options.via:
            return parse_via(self.options.via)
        return hostmap.lookup(self.host_map, host, port)

    def _password(self, host: str, port: int) -> Callable[[], str]:
        if self.auth == "iam":  # a token per endpoint: it is signed for its host and port
            return TokenCache(lambda: self._sign(host, port))
        if self._shared is None:  # fetched or asked at the first sign-in, then kept
            fetch = self._secret if self.auth == "secret" else self._typed
            self._shared = TokenCache(fetch, lifetime=math.inf)
        return self._shared

    def _sign(self, host: str, port: int) -> str:
        """A token signed for HOST:PORT, the real endpoint (never a tunnel's address)."""
        from proxyctl.aws.signing import issue_token

        settings = self.app.settings
        made, _ = issue_token(
            settings.named_profile,
            settings.region,
            host,
            port,
            self.user,
            self.options.database,
            self.region,
        )
        return made.token

    def _secret(self) -> str:
        from proxyctl.aws.secrets import password_for

        # find() refuses --auth secret without --proxy: no proxy here is no secret.
        arns = self.proxy.secret_arns if self.proxy is not None else []
        return password_for(self.app.clients, arns, self.user)

    def _typed(self) -> str:
        if os.environ.get("PGPASSWORD"):
            return remember_secret(os.environ["PGPASSWORD"])
        return remember_secret(self.app.ask.secret("PGPASSWORD", f"Password of {self.user}:"))


def find(app: App, o: ConnectionOptions, question: str = USER_QUESTION) -> Found:
    """Check the options, ask for the user when it is missing, look the proxy up (--proxy)
    and settle the sign-in method."""
    check_options(o)
    settings = app.settings
    mapping = hostmap.setting(settings.table, settings.table_sources, os.environ)
    if o.auth == "password" and not os.environ.get("PGPASSWORD") and app.settings.no_input:
        raise UsageError("--auth password: set PGPASSWORD (prompts are off).", field="PGPASSWORD")
    user = o.user if o.user is not None else app.ask.text("--user", question, "", validate.db_user)
    validate.db_user(user)
    if o.proxy is None:
        return Found(app, o, user, o.auth or "iam", str(o.host), host_map=mapping)
    from proxyctl.aws import proxies

    clients = app.clients
    proxy = proxies.describe_proxy(clients.rds, o.proxy, clients.region)
    auth = o.auth or ("secret" if proxy.iam_auth == "DISABLED" else "iam")
    return Found(app, o, user, auth, proxy.endpoint, proxy, clients.region, host_map=mapping)


def resolve(app: App, o: ConnectionOptions, question: str = USER_QUESTION) -> Target:
    """The Target of the endpoint the options name."""
    return find(app, o, question).target()
