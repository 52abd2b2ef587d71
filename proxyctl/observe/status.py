"""`proxyctl status [NAME]`: the region's proxies, or one proxy's settings, targets,
endpoints and metrics over a window, with findings. Reads only; changes nothing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, ClassVar

from proxyctl.errors import ProxyctlError
from proxyctl.model.findings import Finding
from proxyctl.model.metrics import PERIOD, Series, Window
from proxyctl.model.proxy import Proxy, ProxyEndpoint, TargetHealth, with_health
from proxyctl.observe import status_text
from proxyctl.observe.status_figures import Reading, readings
from proxyctl.observe.status_findings import findings, health

if TYPE_CHECKING:
    from proxyctl.aws.clients import Clients


@dataclass(frozen=True)
class ProxyLine:
    """One proxy in the region's list."""

    name: str
    status: str
    require_tls: bool | None
    iam_auth: str
    targets_healthy: int
    targets_total: int
    endpoint: str


@dataclass
class ProxyList:
    KIND: ClassVar[str] = "proxy_list"
    region: str
    proxies: list[ProxyLine]

    def text(self) -> str:
        return status_text.proxy_list(self)

    def live_text(self) -> str:
        return self.text()


@dataclass(frozen=True)
class TargetLine:
    """A target's health, with the hint `check` gives for its reason."""

    target: str
    role: str
    state: str
    reason: str | None
    description: str | None
    hint: str | None
    type: str


@dataclass
class ProxyStatus:
    KIND: ClassVar[str] = "proxy_status"
    proxy: Proxy
    pool: Mapping[str, object]
    targets: list[TargetLine]
    endpoints: list[ProxyEndpoint]
    endpoints_unread: str | None  # why the endpoints could not be read, when they could not
    window: Window
    series: dict[str, Series]  # empty when the metrics could not be read
    readings: list[Reading]
    metrics_unread: str | None = None  # why the metrics could not be read, when they could not
    findings: list[Finding] = field(default_factory=list)
    cost: str | None = None  # the monthly estimate with its arithmetic, or why there is none

    def text(self) -> str:
        return status_text.proxy_status(self)

    def live_text(self) -> str:
        """For a screen redrawn in place: the metrics and findings on top."""
        return status_text.proxy_status(self, live=True)


def healthy(targets: list[TargetHealth]) -> tuple[int, int]:
    """(AVAILABLE, all) among the targets AWS reports health for."""
    reported = with_health(targets)
    return sum(t.state == "AVAILABLE" for t in reported), len(reported)


def proxy_list(clients: Clients) -> ProxyList:
    from proxyctl.aws import proxies

    lines = []
    for p in sorted(proxies.list_proxies(clients.rds), key=lambda p: p.name):
        good, total = healthy(proxies.read_targets(clients.rds, p.name))
        lines.append(
            ProxyLine(p.name, p.status, p.require_tls, p.iam_auth, good, total, p.endpoint)
        )
    return ProxyList(clients.region, lines)


def window_until(now: datetime, seconds: float) -> Window:
    """Whole minutes covering SECONDS before NOW, up to the start of NOW's minute: the
    minute still running would show the proxy nodes that reported so far, a low sum."""
    end = now.astimezone(UTC).replace(second=0, microsecond=0)
    count = max(1, -(-int(seconds) // PERIOD))
    return Window(end - timedelta(seconds=count * PERIOD), end)


def target_line(t: TargetHealth) -> TargetLine:
    return TargetLine(t.target, t.role, t.state, t.reason, t.description, t.hint, t.type)


def endpoints_of(clients: Clients, proxy: Proxy) -> tuple[list[ProxyEndpoint], str | None]:
    """The proxy's endpoints; when they cannot be read, its default one and why not."""
    from proxyctl.aws import proxies

    try:
        found = proxies.read_endpoints(clients.rds, proxy.name)
    except ProxyctlError as exc:
        default = ProxyEndpoint("default", proxy.endpoint, status=proxy.status, default=True)
        # The first line of what went wrong, not the whole error: the call only reads, and
        # the local AWS stand-in, which lacks it, answers with an error page.
        cause = exc.__cause__
        why = (str(cause).splitlines() or [""])[0].rstrip(":") if cause else exc.message
        return [default], f"DescribeDBProxyEndpoints failed ({why})"
    if not any(e.default for e in found):
        found.insert(0, ProxyEndpoint("default", proxy.endpoint, status=proxy.status, default=True))
    return found, None


def cost_of(clients: Clients, targets: list[TargetHealth]) -> str:
    """The proxy's monthly cost estimate from the classes of the instances behind it."""
    from proxyctl import pricing
    from proxyctl.aws.footprint import classes_behind

    try:
        return pricing.estimate(classes_behind(clients.rds, targets)).text
    except ProxyctlError as exc:
        return f"not estimated: {exc.message}"


def proxy_status(clients: Clients, name: str, seconds: float, now: datetime) -> ProxyStatus:
    """Everything `status NAME` shows, read now; a missing proxy is NotFound naming NAME."""
    from proxyctl.aws import metrics, proxies

    proxy = proxies.describe_proxy(clients.rds, name, clients.region, field="NAME")
    targets = proxies.read_targets(clients.rds, name)
    group = proxies.read_target_group(clients.rds, name)
    pool = dict(group.pool) if group is not None else {}
    endpoints, unread = endpoints_of(clients, proxy)
    window = window_until(now, seconds)
    view = ProxyStatus(
        proxy=proxy,
        pool=pool,
        targets=[target_line(t) for t in with_health(targets)],
        endpoints=endpoints,
        endpoints_unread=unread,
        window=window,
        series={},
        readings=[],
        findings=health(proxy, targets),
        cost=cost_of(clients, targets),
    )
    try:
        view.series = metrics.read_metrics(clients.cloudwatch, name, window)
    except ProxyctlError as exc:  # no cloudwatch:GetMetricData, or no way to CloudWatch
        view.metrics_unread = exc.message
        return view
    view.readings = readings(view.series, window)
    view.findings = findings(proxy, targets, pool, view.series, window.seconds)
    return view
