"""The load command's flow: options checked, endpoints resolved, consent, the run with its
live view, the report file, the result and the gate."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from proxyctl.errors import CheckFailed, ExitCode, UsageError

if TYPE_CHECKING:
    from datetime import datetime

    from proxyctl.app import App
    from proxyctl.cli.load_view import LiveView
    from proxyctl.load.cloudwatch import ProxyCount
    from proxyctl.load.generator import Load
    from proxyctl.load.measure import EndpointResult
    from proxyctl.load.plan import LoadOptions
    from proxyctl.load.result import LoadResult
    from proxyctl.load.run import Endpoint, ProxyCounter
    from proxyctl.reach import ConnectionOptions, Found


@dataclass
class LoadRequest:
    load: LoadOptions
    connection: ConnectionOptions
    direct: bool = False
    endpoints: list[str] = field(default_factory=list)
    monitor: str | None = None
    max_p99: float | None = None
    max_errors: int | None = None
    report: Path | None = None
    force: bool = False
    cloudwatch_wait: str = "3m"


def cloudwatch_wait(r: LoadRequest) -> float:
    from proxyctl.validate import duration

    return duration(r.cloudwatch_wait, "--cloudwatch-wait", 0, 3600)


def check(r: LoadRequest) -> Load:
    """Everything that needs no network: a bad flag is refused before any connection."""
    from proxyctl.load.plan import build_load, parse_address, parse_endpoint
    from proxyctl.reach import check_options

    load = build_load(r.load)
    check_options(r.connection)
    labels = [parse_endpoint(e, "--endpoint")[0] for e in r.endpoints]
    if len(set(labels)) != len(labels) or ({"proxy", "direct"} & set(labels) and r.direct):
        raise UsageError("--endpoint: each LABEL once.", field="--endpoint")
    if r.direct and r.connection.proxy is None:
        raise UsageError(
            "--direct needs --proxy: the writer endpoint is the proxy's cluster's.",
            hint="Without --proxy, name it: --endpoint direct=HOST:PORT.",
            field="--direct",
        )
    if r.monitor is not None:
        parse_address(r.monitor, "--monitor")
    if r.max_p99 is not None and r.max_p99 <= 0:
        raise UsageError("--max-p99: more than 0 ms.", field="--max-p99")
    if r.max_errors is not None and r.max_errors < 0:
        raise UsageError("--max-errors: 0 or more.", field="--max-errors")
    cloudwatch_wait(r)
    return load


def run(app: App, r: LoadRequest) -> int:
    from proxyctl.load import plan
    from proxyctl.load.run import Interrupted
    from proxyctl.load.run import run as run_load

    load = check(r)
    if r.report is not None:
        _may_replace(app, r.report, r.force)
    big = plan.needs_consent(load)
    if big is not None and not app.settings.yes:
        question = f"This run makes {big} against each endpoint. Type yes to start:"
        if not app.ask.typed("--yes", question, "yes", action=f"a load of {big}"):
            raise UsageError("load not started: the answer was not yes.", field="--yes")
    endpoints = resolve(app, r)
    from proxyctl.cli.load_view import LiveView

    view = LiveView(quiet=app.json)
    count = _proxy_counter(app, cloudwatch_wait(r), view)
    try:
        results, interrupted = run_load(load, endpoints, view, count), False
    except Interrupted as stop:
        results, interrupted = stop.results, True
    finally:
        view.close()
    return finish(app, r, load, results, interrupted)


def _proxy_counter(app: App, wait: float, view: LiveView) -> ProxyCounter:
    """How a proxy's CloudWatch minutes are read for a run that no monitor counted; the
    view says what is waited for (with a spinner on a terminal) until they are read."""
    from proxyctl.load import cloudwatch

    def count(proxy: str, began: datetime, ended: datetime) -> ProxyCount:
        try:
            return cloudwatch.count(
                lambda window: cloudwatch.read_minutes(app.clients.cloudwatch, proxy, window),
                proxy,
                began,
                ended,
                wait,
                waiting=view.wait,
            )
        finally:
            view.close()

    return count


def finish(
    app: App, r: LoadRequest, load: Load, results: list[EndpointResult], interrupted: bool
) -> int:
    from proxyctl.load.result import build, judge

    result = build(load, results, interrupted)
    judge(result, r.max_p99, r.max_errors)
    if r.report is not None:
        _write_report(app, r.report, result)
    app.emit(result)
    if interrupted:
        return int(ExitCode.INTERRUPTED)
    if result.gate:
        raise CheckFailed("; ".join(result.gate))
    return 0


def _write_report(app: App, path: Path, result: LoadResult) -> None:
    from proxyctl.files import write_text
    from proxyctl.load.report import render

    try:
        write_text(path, render(result, path.suffix.lower()), "--report", overwrite=True)
    except UsageError as exc:  # a display or file error never hides the result
        app.warn(f"the report was not written: {exc.message}")
        return
    app.note(f"report written to {path}")


def _may_replace(app: App, report: Path, force: bool) -> None:
    from proxyctl.files import check_file_target, confirm_overwrite
    from proxyctl.load.report import SUFFIXES

    if report.suffix.lower() not in SUFFIXES:
        raise UsageError(
            f"--report: {report} should end in {', '.join(SUFFIXES)}.", field="--report"
        )
    if not check_file_target(report, "--report"):
        return

    def confirm(question: str) -> bool:
        return app.ask.confirm("--force", question, False)

    confirm_overwrite([report], "--report", force, None if app.settings.no_input else confirm)


def resolve(app: App, r: LoadRequest) -> list[Endpoint]:
    """The named endpoint, then the writer endpoint (--direct), then each --endpoint."""
    from proxyctl import reach
    from proxyctl.db.target import is_proxy_host
    from proxyctl.load.plan import parse_address, parse_endpoint
    from proxyctl.load.run import Endpoint

    found = reach.find(app, r.connection, "Database user for the load:")
    named = found.target()
    if found.auth != "iam":  # the secret or the typed password: now, not in a client
        named.password()
    monitor = found.target(*parse_address(r.monitor, "--monitor")) if r.monitor else None
    listed = [
        (label, host, port)
        for label, host, port in (parse_endpoint(e, "--endpoint") for e in r.endpoints)
    ]
    if r.direct:
        writer = _writer_endpoint(app, found)
        listed.insert(0, ("direct", *writer))
        monitor = monitor or found.target(*writer)
    first = "proxy" if found.proxy is not None or is_proxy_host(named.host) else "endpoint"
    proxy = found.proxy.name if found.proxy is not None else None
    endpoints = [Endpoint(first, named, monitor, proxy)]
    endpoints += [Endpoint(label, found.target(h, p), monitor) for label, h, p in listed]
    return endpoints


def _writer_endpoint(app: App, found: Found) -> tuple[str, int]:
    from proxyctl.aws.failover import describe_cluster, proxy_cluster
    from proxyctl.errors import NotFoundError

    name = proxy_cluster(app.clients, found.proxy.name) if found.proxy else None
    if name is None:
        raise NotFoundError(
            "--direct: the proxy fronts no Aurora cluster, so it has no writer endpoint.",
            hint="Name the database: --endpoint direct=HOST:PORT.",
            field="--direct",
        )
    cluster = describe_cluster(app.clients, name)
    return str(cluster["Endpoint"]), int(cluster.get("Port") or 5432)
