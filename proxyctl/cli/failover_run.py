"""The failover-test flow: endpoints -> preflight -> confirm -> drill -> report -> gate."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from proxyctl import validate
from proxyctl.cli.connection import check_target, env_password, iam_token, secret_password
from proxyctl.cli.prompts import ask_text
from proxyctl.config import Settings
from proxyctl.drill.samples import DrillSettings, Endpoint, EndpointKind
from proxyctl.errors import ConnectionProblem, UsageError

MODES = ("reconnect", "persistent")


@dataclass
class FailoverOptions:
    proxy: str | None = None
    host: str | None = None
    port: int = 5432
    user: str | None = None
    database: str = "postgres"
    auth: str = "iam"
    ca_bundle: str | None = None
    cluster: str | None = None
    no_direct: bool = False
    endpoint: list[str] | None = None
    writer_endpoint: list[str] | None = None
    interval: float = 0.2
    probe_timeout: float = 2.0
    mode: str = "reconnect"
    write: bool = False
    heartbeat_table: str = "proxyctl_heartbeat"
    trigger: str = "aws"
    trigger_command: str | None = None
    target_instance: str | None = None
    baseline: float = 5.0
    settle: float = 10.0
    timeout: float = 300.0
    report: Path | None = None
    max_downtime: float | None = None
    max_downtime_direct: float | None = None
    skip_preflight: bool = False
    stall: float = 1.0
    allow_no_failover: bool = False


def parse_endpoint(text: str) -> tuple[str, str, int]:
    label, sep, rest = text.partition("=")
    host, _, port = rest.partition(":")
    if not sep or not label or not host or (port and not port.isdigit()):
        raise UsageError(f"--endpoint: {text!r} is not LABEL=HOST[:PORT].", field="--endpoint")
    return label, validate.host(host, field="--endpoint"), int(port or 5432)


def check_options(o: FailoverOptions) -> None:
    from proxyctl.drill.report import check_report_path
    from proxyctl.drill.trigger import TRIGGERS

    check_target(o.proxy, o.host, o.auth, o.ca_bundle)
    for flag, value, allowed in (
        ("--mode", o.mode, MODES),
        ("--trigger", o.trigger, TRIGGERS),
    ):
        if value not in allowed:
            raise UsageError(f"{flag}: {value!r} is not one of {', '.join(allowed)}.", field=flag)
    if o.trigger == "command" and not o.trigger_command:
        raise UsageError(
            "--trigger command needs --trigger-command CMD.", field="--trigger-command"
        )
    if o.report is not None:
        check_report_path(o.report)
    labels = [parse_endpoint(e)[0] for e in (o.endpoint or []) + (o.writer_endpoint or [])]
    if len(set(labels)) != len(labels) or {"proxy", "direct"} & set(labels):
        raise UsageError(
            "--endpoint: labels must be unique and not proxy or direct.", field="--endpoint"
        )


@dataclass
class Where:
    """What the drill probes and triggers, looked up once."""

    endpoints: list[Endpoint]
    cluster: dict[str, Any] | None
    clients: Any
    proxy: Any  # model.proxy.Proxy, when --proxy named one

    @property
    def proxy_name(self) -> str | None:
        return self.proxy.name if self.proxy is not None else None


def locate(settings: Settings, o: FailoverOptions) -> Where:
    c = None
    host, proxy = o.host, None
    if o.proxy is not None or o.cluster is not None or o.trigger == "aws":
        from proxyctl.aws.clients import Clients

        c = Clients(settings)
    if o.proxy is not None:
        from proxyctl.aws import proxies

        proxy = proxies.describe_proxy(c.rds, o.proxy, c.region)  # type: ignore[union-attr]
        host = proxy.endpoint
    cluster = _cluster(c, o, proxy.name if proxy is not None else None)
    endpoints = [Endpoint("proxy", EndpointKind.PROXY, str(host), o.port)]
    if cluster is not None and not o.no_direct:
        endpoints.append(
            Endpoint(
                "direct", EndpointKind.DIRECT, cluster["Endpoint"], int(cluster.get("Port") or 5432)
            )
        )
    for texts, writer in ((o.endpoint, False), (o.writer_endpoint, True)):
        for text in texts or []:
            label, extra_host, extra_port = parse_endpoint(text)
            endpoints.append(
                Endpoint(label, EndpointKind.EXTRA, extra_host, extra_port, expects_writer=writer)
            )
    return Where(endpoints, cluster, c, proxy)


def _cluster(c: Any, o: FailoverOptions, proxy_name: str | None) -> dict[str, Any] | None:
    from proxyctl.aws import failover

    name = o.cluster or (failover.proxy_cluster(c, proxy_name) if proxy_name else None)
    if name is None:
        if o.trigger == "aws":
            raise UsageError(
                "--trigger aws needs the cluster: give --cluster ID or --proxy NAME.",
                field="--cluster",
            )
        return None
    return failover.describe_cluster(c, name)


def preflight(where: Where, o: FailoverOptions, make_endpoint: Any) -> None:
    from proxyctl.aws import failover

    cluster = where.cluster
    if cluster is not None:
        name, members = cluster["DBClusterIdentifier"], cluster.get("DBClusterMembers", [])
        if cluster.get("Status") != "available":
            raise ConnectionProblem(
                f"the cluster {name} is {cluster.get('Status')}, not available."
            )
        if len(members) < 2:
            raise UsageError(
                f"--cluster: {name} has {len(members)} instance: a failover needs a second "
                "one to promote.",
                hint="Add a reader (aws rds create-db-instance --db-cluster-identifier ...) first.",
                field="--cluster",
            )
        if failover.writer_of(cluster) is None:
            raise ConnectionProblem(f"the cluster {name} has no known writer.")
    if where.proxy_name is not None:
        failover.require_healthy_targets(where.clients, where.proxy_name)
    for endpoint in where.endpoints:
        sample = first_sample(make_endpoint(endpoint), o.probe_timeout)
        if not sample.ok:
            raise ConnectionProblem(
                f"preflight: {endpoint.label} ({endpoint.host}:{endpoint.port}) does not answer a "
                f"probe: {sample.error_class}: {sample.message}",
                hint="Run proxyctl check on that endpoint to see why.",
            )


def first_sample(endpoint: Any, timeout: float) -> Any:
    """One probe of ENDPOINT, as the drill would make it."""
    from queue import Queue

    from proxyctl.db.probe import Prober

    samples: Queue[Any] = Queue()
    prober = Prober(endpoint, samples.put, interval=max(2 * timeout, 1.0), probe_timeout=timeout)
    prober.start()
    try:
        return samples.get(timeout=timeout + 10)
    finally:
        prober.stop()


def _password(settings: Settings, o: FailoverOptions, user: str, where: Where) -> Any:
    """For each endpoint (host, port), where its probes' password comes from."""
    if o.auth == "password":
        password = env_password(settings, user)
        return lambda host, port: lambda: password
    if o.auth == "secret":
        secret = secret_password(where.clients, where.proxy, user)
        return lambda host, port: lambda: secret
    from proxyctl.db.probe import TokenCache

    region = where.clients.region if where.clients is not None else None
    return lambda host, port: TokenCache(
        lambda: iam_token(settings, host, port, user, o.database, region)
    )


def run_failover(settings: Settings, o: FailoverOptions) -> None:
    from proxyctl.drill.trigger import user_environment

    environment = user_environment()  # before any secret or token is fetched or made
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

    if not o.skip_preflight:
        preflight(where, o, make_endpoint)
    _announce_and_confirm(settings, o, where)
    _drill(settings, o, where, make_endpoint, environment)


def _announce_and_confirm(settings: Settings, o: FailoverOptions, where: Where) -> None:
    cluster = where.cluster["DBClusterIdentifier"] if where.cluster else None
    what = {
        "aws": f"FailoverDBCluster on {cluster}"
        + (f" to {o.target_instance}" if o.target_instance else ""),
        "none": "nothing (observing a failover started elsewhere)",
        "command": "--trigger-command, through the shell",
    }[o.trigger]
    probed = ", ".join(f"{e.label} {e.host}:{e.port}" for e in where.endpoints)
    sys.stderr.write(f"will trigger: {what}\nwill probe: {probed}\ntimeout: {o.timeout:g} s\n")
    if settings.yes or o.trigger == "none":
        return
    answer_needed = cluster or "failover"
    if settings.no_input:
        raise UsageError("a failover drill needs confirmation: pass --yes.", field="--yes")
    import questionary

    typed = questionary.text(f"Type {answer_needed} to start the drill:").unsafe_ask()
    if typed != answer_needed:
        raise UsageError("nothing was triggered: the confirmation did not match.", field="--yes")


def _drill(
    settings: Settings,
    o: FailoverOptions,
    where: Where,
    make_endpoint: Any,
    environment: dict[str, str],
) -> None:
    from proxyctl.cli.drill_view import LiveView, PlainView
    from proxyctl.drill import trigger as triggers
    from proxyctl.drill.run import Drill, run_drill

    drill_settings = _drill_settings(o, where)
    live = sys.stderr.isatty() and not settings.json
    log = _command_log() if live and o.trigger == "command" else None
    drill = Drill(
        drill_settings,
        _probers(o, where, make_endpoint),
        _trigger(o, where, triggers, environment, log),
        writer=_writer(where),
        writer_before=_writer_before(where),
        stall=o.stall,
    )
    labels = [e.label for e in where.endpoints]
    view = LiveView(labels, o.stall) if live else PlainView(o.stall)
    outcome = run_drill(drill, view)
    from proxyctl.cli.failover_end import finish

    finish(settings, o, drill_settings, outcome)


def _probers(o: FailoverOptions, where: Where, make_endpoint: Any) -> Any:
    """The drill's `make_probers`: one prober per endpoint, in order."""
    from proxyctl.db.probe import Prober

    def probers(sink: Any, t0: float) -> list[Any]:
        return [
            Prober(
                make_endpoint(e),
                sink,
                interval=o.interval,
                probe_timeout=o.probe_timeout,
                mode="persistent" if o.mode == "persistent" else "reconnect",
                # a reader refuses writes from the start: only writer endpoints are written to
                write=o.write and e.expects_writer,
                heartbeat_table=o.heartbeat_table,
                origin=t0,
            )
            for e in where.endpoints
        ]

    return probers


def _drill_settings(o: FailoverOptions, where: Where) -> DrillSettings:
    return DrillSettings(
        trigger=o.trigger,
        mode=o.mode,
        interval=o.interval,
        probe_timeout=o.probe_timeout,
        baseline=o.baseline,
        settle=o.settle,
        timeout=o.timeout,
        started=datetime.now(UTC),
        endpoints=where.endpoints,
        cluster=where.cluster["DBClusterIdentifier"] if where.cluster else None,
        proxy=where.proxy_name,
        region=where.clients.region if where.clients is not None else None,
        target_instance=o.target_instance,
        write=o.write,
        heartbeat_table=o.heartbeat_table if o.write else None,
        stall=o.stall,
    )


def _command_log() -> Path:
    """Where the command's output goes while the live view holds the terminal."""
    import tempfile

    fd, path = tempfile.mkstemp(prefix="proxyctl-trigger-", suffix=".log")
    os.close(fd)
    return Path(path)


def _trigger(
    o: FailoverOptions,
    where: Where,
    triggers: Any,
    environment: dict[str, str],
    log: Path | None = None,
) -> Any:
    if o.trigger == "none":
        return triggers.no_trigger()
    if o.trigger == "command":
        return triggers.command_trigger(str(o.trigger_command), environment, log)
    from proxyctl.aws import failover

    name = where.cluster["DBClusterIdentifier"]  # type: ignore[index]
    return triggers.aws_trigger(
        lambda: failover.fail_over(where.clients, name, o.target_instance), name, o.target_instance
    )


def _writer(where: Where) -> Any:
    if where.cluster is None or where.clients is None:
        return None
    from proxyctl.aws import failover

    name = where.cluster["DBClusterIdentifier"]
    return lambda: failover.current_writer(where.clients, name)


def _writer_before(where: Where) -> str | None:
    from proxyctl.aws import failover

    return failover.writer_of(where.cluster) if where.cluster is not None else None
