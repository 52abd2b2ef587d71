"""`status` as text: the list of proxies, and one proxy's view with a sparkline per metric.

AWS strings are data: output.emit (and the live view) pass the whole text through
output.clean, and nothing here is read as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from proxyctl.model.findings import Status
from proxyctl.observe.status_figures import clock
from proxyctl.validate import duration_text

if TYPE_CHECKING:
    from proxyctl.observe.status import ProxyList, ProxyStatus

BARS = "▁▂▃▄▅▆▇█"
GAP = "·"  # a minute without data: not the lowest bar, which is a value
WIDTH = 60  # cells at most; a longer window shows the mean of several minutes per cell
MARKS = {Status.OK: "✓", Status.WARN: "!", Status.FAIL: "✗", Status.SKIP: "-"}


def sparkline(cells: Sequence[float | None], width: int = WIDTH) -> str:
    """One character per minute (or per group of minutes), from 0 to the highest value."""
    size = max(1, -(-len(cells) // width))
    groups = [cells[i : i + size] for i in range(0, len(cells), size)]
    means = [_mean(g) for g in groups]
    top = max((m for m in means if m is not None), default=0.0)
    return "".join(_bar(m, top) for m in means)


def _mean(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def _bar(value: float | None, top: float) -> str:
    if value is None:
        return GAP
    if top <= 0:
        return BARS[0]
    return BARS[min(len(BARS) - 1, int(value / top * (len(BARS) - 1) + 0.5))]


def table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]


def _tls(value: bool | None) -> str:
    return "unknown" if value is None else "required" if value else "optional"


def proxy_list(found: ProxyList) -> str:
    if not found.proxies:
        return (
            f"No RDS proxies in {found.region}.\n"
            "Make one with `proxyctl init`, or check --region and --profile.\n"
        )
    rows = [["NAME", "STATUS", "TLS", "IAM", "TARGETS", "ENDPOINT"]]
    rows += [
        [
            p.name,
            p.status,
            _tls(p.require_tls),
            p.iam_auth,
            f"{p.targets_healthy}/{p.targets_total} healthy",
            p.endpoint,
        ]
        for p in found.proxies
    ]
    return "\n".join(table(rows)) + "\n"


def _yes_no(value: bool | None) -> str:
    return "unknown" if value is None else "on" if value else "off"


def settings(view: ProxyStatus) -> list[str]:
    p = view.proxy
    idle = "unknown" if p.idle_client_timeout is None else f"{p.idle_client_timeout} s"
    rows = [
        ["  status", p.status],
        ["  require TLS", _tls(p.require_tls)],
        ["  IAM auth", p.iam_auth],
        ["  idle timeout", idle],
        ["  debug logging", _yes_no(p.debug_logging)],
    ]
    for a in p.auth:
        how = ", ".join(x for x in (f"IAM {a.iam_auth}", a.client_password_auth) if x)
        said = f"{a.scheme} {a.secret_arn or a.user_name or ''} ({how})"
        rows.append(["  auth", said + (f' "{a.description}"' if a.description else "")])
    if p.default_auth_scheme:
        rows.append(["  default auth", p.default_auth_scheme])
    return [f"proxy {p.name}", *table(rows)]


def pool(view: ProxyStatus) -> list[str]:
    if not view.pool:
        return ["pool", "  no target group found"]
    rows = [[f"  {key}", _pool_value(key, value)] for key, value in sorted(view.pool.items())]
    return ["pool (target group default)", *table(rows)]


def _pool_value(key: str, value: object) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value)) or "none"
    if key.endswith("Percent"):
        return f"{value}%"
    return f"{value} s" if key == "ConnectionBorrowTimeout" else str(value)


def targets(view: ProxyStatus) -> list[str]:
    if not view.targets:
        return ["targets", "  none registered"]
    lines = ["targets"]
    for t in view.targets:
        why = ": ".join(x for x in (t.reason, t.description) if x)
        role = "" if t.role == "UNKNOWN" else t.role
        lines.append("  " + "  ".join(x for x in (t.target, t.type, role, t.state, why) if x))
        if t.hint:
            lines.append(f"    hint: {t.hint}")
    return lines


def endpoints(view: ProxyStatus) -> list[str]:
    rows = [
        [f"  {e.name}", e.role, e.status, e.host + ("  (default)" if e.default else "")]
        for e in view.endpoints
    ]
    lines = ["endpoints", *table(rows)]
    if view.endpoints_unread:
        lines.append(f"  other endpoints unknown: {view.endpoints_unread}")
    return lines


def metrics(view: ProxyStatus) -> list[str]:
    w = view.window
    lines = [
        f"metrics, last {duration_text(w.seconds)} ({clock(w.start)} to {clock(w.end)}, "
        "one value a minute, the sum over the proxy's nodes; latencies are averages; "
        f"{GAP} = no data)"
    ]
    if view.metrics_unread:
        lines.append(f"  not read: {view.metrics_unread}")
    for r in view.readings:
        lines.append(f"  {r.label:<20}{r.text}")
        for name, cells in r.lines:
            if any(c is not None for c in cells) and (len(r.lines) > 1 or name != r.label):
                lines.append(f"    {name:<18}{sparkline(cells)}")
            elif any(c is not None for c in cells):
                lines.append(f"  {'':<20}{sparkline(cells)}")
    return lines


def findings(view: ProxyStatus) -> list[str]:
    lines = ["findings"] if view.findings else []
    for x in view.findings:
        lines.append(f"  {MARKS[x.status]} {x.message}")
        if x.hint:
            lines.append(f"    hint: {x.hint}")
    return lines


def cost(view: ProxyStatus) -> list[str]:
    return [f"cost  {view.cost}"] if view.cost else []


def proxy_status(view: ProxyStatus, live: bool = False) -> str:
    """The view top to bottom; LIVE (a redrawn screen, which a short terminal crops at
    the bottom): what changes first, the metrics and findings, and the settings last."""
    parts = [settings, pool, targets, endpoints, metrics, findings, cost]
    if live:
        parts = [metrics, findings, targets, endpoints, settings, pool, cost]
    lines = [line for part in parts for line in [*part(view), ""]]
    return "\n".join(lines).strip("\n") + "\n"
