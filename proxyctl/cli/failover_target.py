"""What failover-test reaches, resolved from its options: the proxy, the cluster, the
endpoints and each one's connection (password, trust store); and how the drill talks
to the user. The flow itself is `proxyctl.drill.flow`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from proxyctl.drill.flow import Reach, Screen
from proxyctl.drill.options import FailoverOptions, Where, check_options, probed_endpoints
from proxyctl.drill.samples import Endpoint
from proxyctl.errors import UsageError

if TYPE_CHECKING:
    from proxyctl.app import App
    from proxyctl.reach import Found


def reach(app: App, o: FailoverOptions) -> Reach:
    """The target and its connections: the options checked, the user asked, the proxy
    and cluster looked up, and each probed endpoint's Target (proxyctl.reach)."""
    from proxyctl import reach as connecting
    from proxyctl.drill.trigger import user_environment

    environment = user_environment()  # before any secret or token is fetched or made
    given = connecting.ConnectionOptions(
        o.proxy, o.host, o.port, o.user, o.database, o.auth, o.via, o.ca_bundle
    )
    connecting.check_options(given)
    check_options(o)
    found = connecting.find(app, given, "Database user for the probes:")
    named = found.target()
    if found.auth != "iam":  # the secret or the typed password: now, not in a prober
        named.password()
    where = locate(app, o, found)

    def make_endpoint(e: Endpoint) -> Any:
        from proxyctl.db.probe import Endpoint as ProbeEndpoint

        same = (e.host, e.port) == (named.host, named.port)
        t = named if same else found.target(e.host, e.port)  # --via: the named one only
        hostaddr, port = t.libpq_address()
        return ProbeEndpoint(
            e.label,
            t.host,
            port,
            t.user,
            t.database,
            t.password,
            sslrootcert=t.cafile or "system",
            hostaddr=hostaddr,
        )

    return Reach(where, make_endpoint, environment)


def locate(app: App, o: FailoverOptions, found: Found) -> Where:
    c = None
    if o.proxy is not None or o.db_cluster is not None or o.trigger == "aws":
        c = app.clients
    proxy = found.proxy
    cluster = _cluster(c, o, proxy.name if proxy is not None else None)
    return Where(probed_endpoints(o, found.host, cluster), cluster, c, proxy)


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


def screen(app: App) -> Screen:
    """Announcements on stderr, the typed confirmation through the App's asker, and the
    live view on a terminal (plain lines elsewhere, and in JSON mode)."""
    from proxyctl.output import note

    live = sys.stderr.isatty() and not app.json

    def make_view(labels: list[str], stall: float) -> Any:
        from proxyctl.cli.drill_view import LiveView, PlainView

        return LiveView(labels, stall) if live else PlainView(stall)

    return Screen(note, app.ask, make_view, live)


def may_replace(app: App, report: Path, force: bool) -> None:
    """Ask before the drill, not after it, whether an existing report may be replaced."""
    from proxyctl.drill.report import check_report_path
    from proxyctl.files import confirm_overwrite

    check_report_path(report)  # a symbolic link or anything but a file is refused there
    if not report.exists():
        return

    def confirm(question: str) -> bool:
        return app.ask.confirm("--force", question, False)

    confirm_overwrite([report], "--report", force, None if app.settings.no_input else confirm)
