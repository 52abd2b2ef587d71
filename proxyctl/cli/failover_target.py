"""What failover-test reaches, resolved from its options: the proxy, the cluster, the
endpoints and each one's connection (password, trust store); and how the drill talks
to the user. The flow itself is `proxyctl.drill.flow`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from proxyctl import validate
from proxyctl.cli.connection import check_target, env_password, iam_token, secret_password
from proxyctl.cli.prompts import ask_text
from proxyctl.config import Settings
from proxyctl.drill.flow import Reach, Screen
from proxyctl.drill.options import FailoverOptions, Where, check_options, probed_endpoints
from proxyctl.drill.samples import Endpoint
from proxyctl.errors import UsageError


def reach(settings: Settings, o: FailoverOptions) -> Reach:
    """The target and its connections, in the order the checks have always run."""
    from proxyctl.drill.trigger import user_environment

    environment = user_environment()  # before any secret or token is fetched or made
    check_target(o.proxy, o.host, o.auth, o.ca_bundle)
    check_options(o)
    user = o.user or ask_text(settings, "--user", "Database user for the probes:", validate.db_user)
    validate.db_user(user)
    where = locate(settings, o)
    passwords = _password(settings, o, user, where)

    def make_endpoint(e: Endpoint) -> Any:
        from proxyctl.check.tlsreport import trust_store
        from proxyctl.db.probe import Endpoint as ProbeEndpoint

        cafile = trust_store(e.host, o.ca_bundle)[0]
        return ProbeEndpoint(
            e.label,
            e.host,
            e.port,
            user,
            o.database,
            passwords(e.host, e.port),
            sslrootcert=cafile or "system",
        )

    return Reach(where, make_endpoint, environment)


def locate(settings: Settings, o: FailoverOptions) -> Where:
    c = None
    host, proxy = o.host, None
    if o.proxy is not None or o.db_cluster is not None or o.trigger == "aws":
        from proxyctl.aws.clients import Clients

        c = Clients(settings)
    if o.proxy is not None:
        from proxyctl.aws import proxies

        proxy = proxies.describe_proxy(c.rds, o.proxy, c.region)  # type: ignore[union-attr]
        host = proxy.endpoint
    cluster = _cluster(c, o, proxy.name if proxy is not None else None)
    return Where(probed_endpoints(o, str(host), cluster), cluster, c, proxy)


def _cluster(c: Any, o: FailoverOptions, proxy_name: str | None) -> dict[str, Any] | None:
    from proxyctl.aws import failover

    name = o.db_cluster or (failover.proxy_cluster(c, proxy_name) if proxy_name else None)
    if name is None:
        if o.trigger == "aws":
            raise UsageError(
                "--trigger aws needs the cluster: give --db-cluster ID or --proxy NAME.",
                field="--db-cluster",
            )
        return None
    return failover.describe_cluster(c, name)


def _password(settings: Settings, o: FailoverOptions, user: str, where: Where) -> Any:
    """For each endpoint (host, port), where its probes' password comes from."""
    if o.auth == "password":
        password = env_password(settings, user)
        return lambda host, port: lambda: password
    if o.auth == "secret":
        secret = secret_password(where.clients, where.proxy, user)
        return lambda host, port: lambda: secret
    from proxyctl.db.tokencache import TokenCache

    region = where.clients.region if where.clients is not None else None
    return lambda host, port: TokenCache(
        lambda: iam_token(settings, host, port, user, o.database, region)
    )


def screen(settings: Settings) -> Screen:
    """Announcements on stderr, the typed confirmation on a terminal, and the live view
    there (plain lines elsewhere, and in JSON mode)."""
    from proxyctl.output import note

    live = sys.stderr.isatty() and not settings.json

    def ask(question: str) -> str:
        import questionary

        return str(questionary.text(question).unsafe_ask())

    def make_view(labels: list[str], stall: float) -> Any:
        from proxyctl.cli.drill_view import LiveView, PlainView

        return LiveView(labels, stall) if live else PlainView(stall)

    return Screen(note, None if settings.no_input else ask, make_view, live)


def may_replace(settings: Settings, report: Path, force: bool) -> None:
    """Ask before the drill, not after it, whether an existing report may be replaced."""
    from proxyctl.drill.report import check_report_path
    from proxyctl.files import confirm_overwrite

    check_report_path(report)  # a symbolic link or anything but a file is refused there
    if not report.exists():
        return

    def confirm(question: str) -> bool:
        import questionary

        return bool(questionary.confirm(question, default=False).unsafe_ask())

    confirm_overwrite([report], "--report", force, None if settings.no_input else confirm)
