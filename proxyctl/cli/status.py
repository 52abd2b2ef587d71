"""`proxyctl status [NAME]`: the region's proxies, or one proxy at work."""

# No `from __future__ import annotations` in command modules: Typer would have to
# evaluate every annotation string at start-up, which slows `proxyctl --help`.
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer

from proxyctl.errors import ProxyctlError, UsageError

if TYPE_CHECKING:
    from proxyctl.app import App
    from proxyctl.observe.status import ProxyList, ProxyStatus

    View = ProxyList | ProxyStatus

# CloudWatch keeps one-minute data for 15 days.
SINCE_MOST = 15 * 86400


def status(
    ctx: typer.Context,
    name: Annotated[
        str | None,
        typer.Argument(metavar="[NAME]", help="The proxy to show. Default: list every proxy."),
    ] = None,
    since: Annotated[
        str,
        typer.Option(
            metavar="DURATION",
            help="How far back the metrics go, in whole minutes: 90s, 30m, 2h, 1d (at most 15d).",
        ),
    ] = "15m",
    watch: Annotated[
        bool,
        typer.Option(
            "--watch",
            help="Refresh the view in place every --every seconds until Ctrl-C, which ends "
            "it with exit 0 (needs a terminal; not with --output json). Default: show once.",
        ),
    ] = False,
    every: Annotated[
        float,
        typer.Option(min=1, metavar="SECONDS", help="Seconds between refreshes with --watch."),
    ] = 5.0,
) -> None:
    """Show the region's proxies, or one proxy's settings, health and metrics.

    Without NAME: each proxy with its status, TLS, IAM auth, healthy targets and
    endpoint. With NAME: its settings, pool settings, targets with their health
    (and what to do about a bad one), endpoints, then its CloudWatch metrics over
    --since, one value a minute with a sparkline each: client against database
    connections and the multiplexing ratio, the share of database connections
    pinned to one client, borrowed against allowed connections (pool pressure),
    borrow and query latency, failed sign-ins and failed database connections.
    A metric CloudWatch has no data for shows "no data yet", never 0. Findings
    say what to run or change: a pinned share of 25% or more, 80% of the pool
    borrowed or a 100 ms wait to borrow, failed sign-ins. --output json gives one
    document with the raw series. Reads only; changes nothing.

    \b
    Examples:
      proxyctl status
      proxyctl status orders --since 2h
      proxyctl status orders --watch --every 10
      proxyctl --output json status orders > orders-status.json
    """
    from proxyctl import validate

    app: App = ctx.obj
    seconds = validate.duration(since, "--since", 60, SINCE_MOST)
    if name is not None:
        validate.proxy_name(name, field="NAME")
    build = _reader(app, name, seconds)
    if not watch:
        app.emit(build())
        return
    if app.json:
        raise UsageError("--watch: JSON output is one document; drop --watch.", field="--watch")
    if not sys.stdout.isatty():
        raise UsageError(
            "--watch: stdout is not a terminal, so there is nothing to refresh in place.",
            hint="Run it on a terminal, or drop --watch (or use `watch proxyctl status`).",
            field="--watch",
        )
    _watch(build, every, f"proxyctl status {name or ''}".rstrip())


def _reader(app: "App", name: str | None, seconds: float) -> Callable[[], "View"]:
    def build() -> "View":
        from datetime import UTC, datetime

        from proxyctl.observe import status

        if name is None:
            return status.proxy_list(app.clients)
        return status.proxy_status(app.clients, name, seconds, datetime.now(UTC))

    return build


def _screen(result: "View", title: str, every: float, trouble: str | None) -> Any:
    from datetime import UTC, datetime

    from rich.text import Text

    from proxyctl.output import clean

    now = datetime.now(UTC).strftime("%H:%M:%SZ")
    head = f"{title}: at {now}, every {every:g}s; Ctrl-C to stop\n"
    if trouble is not None:
        head += f"refresh failed ({trouble}); showing the last view\n"
    # Text, not markup: AWS strings in the view are data.
    return Text(clean(head + "\n" + result.live_text()))


def _watch(build: Callable[[], "View"], every: float, title: str) -> None:
    """Refresh in place until Ctrl-C; a refresh that fails keeps the last view and says why."""
    import time

    from rich.console import Console
    from rich.live import Live

    shown = build()  # Ctrl-C before the first view: exit 130 through the one handler
    with Live(_screen(shown, title, every, None), console=Console(), auto_refresh=False) as live:
        try:
            while True:
                time.sleep(every)
                trouble = None
                try:
                    shown = build()
                except ProxyctlError as exc:
                    trouble = exc.message
                live.update(_screen(shown, title, every, trouble), refresh=True)
        except KeyboardInterrupt:
            pass  # Ctrl-C is how a watch ends: Live puts the cursor back as it stops
