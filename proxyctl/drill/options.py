"""failover-test's options, resolved: what the drill probes, how, what it triggers
and what it gates on; checked before anything is looked up or triggered."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from proxyctl import validate
from proxyctl.drill.samples import Endpoint, EndpointKind
from proxyctl.errors import UsageError

MODES = ("reconnect", "persistent")


@dataclass
class FailoverOptions:
    proxy: str | None = None
    host: str | None = None
    port: int = 5432
    user: str | None = None
    database: str = "postgres"
    auth: str | None = None  # None: as proxyctl.reach settles it (iam, or the proxy's secret)
    via: str | None = None
    ca_bundle: str | None = None
    db_cluster: str | None = None
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
    yes: bool = False  # start without the typed confirmation


def parse_endpoint(text: str) -> tuple[str, str, int]:
    label, sep, rest = text.partition("=")
    host, _, port = rest.partition(":")
    if not sep or not label or not host or (port and not port.isdigit()):
        raise UsageError(f"--endpoint: {text!r} is not LABEL=HOST[:PORT].", field="--endpoint")
    return label, validate.host(host, field="--endpoint"), int(port or 5432)


def check_options(o: FailoverOptions) -> None:
    """The drill's own options (the target's are checked where it is resolved)."""
    from proxyctl.drill.report import check_report_path
    from proxyctl.drill.trigger import TRIGGERS

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


def probed_endpoints(
    o: FailoverOptions, host: str, cluster: dict[str, Any] | None
) -> list[Endpoint]:
    """The proxy (or --host), the cluster's writer endpoint unless --no-direct, then
    every --endpoint and --writer-endpoint, in that order."""
    endpoints = [Endpoint("proxy", EndpointKind.PROXY, host, o.port)]
    if cluster is not None and not o.no_direct:
        port = int(cluster.get("Port") or 5432)
        endpoints.append(Endpoint("direct", EndpointKind.DIRECT, cluster["Endpoint"], port))
    for texts, writer in ((o.endpoint, False), (o.writer_endpoint, True)):
        for text in texts or []:
            label, extra_host, extra_port = parse_endpoint(text)
            endpoints.append(
                Endpoint(label, EndpointKind.EXTRA, extra_host, extra_port, expects_writer=writer)
            )
    return endpoints


@dataclass
class Where:
    """What the drill probes and triggers, looked up once."""

    endpoints: list[Endpoint]
    cluster: dict[str, Any] | None
    clients: Any
    proxy: Any  # the proxy's record, when --proxy named one

    @property
    def proxy_name(self) -> str | None:
        return self.proxy.name if self.proxy is not None else None

    @property
    def cluster_id(self) -> str | None:
        return self.cluster["DBClusterIdentifier"] if self.cluster is not None else None
