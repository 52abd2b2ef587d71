"""The drill's tables as rows of strings, shared by the text, Markdown and HTML reports.

Moments ("at") are seconds since probing began; durations are seconds.
"""

from __future__ import annotations

from collections.abc import Sequence

from proxyctl.drill.samples import DrillEvent, DrillSettings
from proxyctl.drill.timeline import Analysis, EndpointAnalysis, fmt_seconds
from proxyctl.model.probe import ErrorClass
from proxyctl.output import iso

Table = tuple[list[str], list[list[str]]]
NONE = "-"


def at(value: float | None) -> str:
    return NONE if value is None else fmt_seconds(value)


def downtime_cell(found: EndpointAnalysis) -> str:
    if found.downtime is None:
        return "none"
    if not found.recovered:
        return f"{fmt_seconds(found.downtime)}+ (not recovered)"
    return fmt_seconds(found.downtime)


def latency(value: float | None) -> str:
    if value is None:
        return NONE
    return f"{value * 1000:.0f} ms" if value < 1 else fmt_seconds(value)


def jitter_cell(found: EndpointAnalysis) -> str:
    res = found.resolution
    return f"{res.jitter_p99 * 1000:.0f} ms / {res.jitter_max * 1000:.0f} ms"


def _recovered_cell(found: EndpointAnalysis) -> str:
    if found.downtime is None:
        return NONE
    return at(found.recovered_at) if found.recovered else "not recovered"


def endpoint_table(analysis: Analysis) -> Table:
    """One column per endpoint (proxy, direct, others), one row per figure."""
    eps = analysis.endpoints
    rows = [
        ["Downtime", *(downtime_cell(e) for e in eps)],
        ["Recovered at", *(_recovered_cell(e) for e in eps)],
        ["Trigger to recovery", *(at(e.trigger_to_recovery) for e in eps)],
        ["First probe down at (failed or stalled)", *(at(e.first_failure_at) for e in eps)],
        ["Last probe down at", *(at(e.last_failure_at) for e in eps)],
        ["Probes", *(str(e.probes) for e in eps)],
        ["Failed probes", *(str(e.failed) for e in eps)],
        [
            f"Stalled probes (answered after {fmt_seconds(analysis.stall_threshold)})",
            *(str(e.stalled) for e in eps),
        ],
        ["Longest stall", *(latency(e.longest_stall) for e in eps)],
    ]
    if any(e.failed_before_trigger for e in eps):
        rows.append(["Failed before the trigger", *(str(e.failed_before_trigger) for e in eps)])
    for cls in ErrorClass:
        if any(cls in e.failures_by_class for e in eps):
            rows.append([f"Failed: {cls}", *(str(e.failures_by_class.get(cls, 0)) for e in eps)])
    rows += [
        ["Reached a read-only server", *(str(e.read_only_probes) for e in eps)],
        ["Servers seen", *(str(len({s.address for s in e.servers})) for e in eps)],
        ["Slowest successful probe", *(latency(e.slowest_ok) for e in eps)],
        ["Start jitter p99 / max", *(jitter_cell(e) for e in eps)],
        ["Resolution (interval + p99)", *(fmt_seconds(e.resolution.seconds) for e in eps)],
    ]
    return ["", *(e.endpoint for e in eps)], rows


def overall_table(analysis: Analysis) -> Table:
    reason = str(analysis.end_reason) if analysis.end_reason else "ended"
    rows = [
        ["Trigger at", at(analysis.trigger_at)],
        ["Trigger command", _command_cell(analysis)],
        ["Writer changed at", at(analysis.writer_changed_at)],
        ["Writer change after trigger", at(analysis.writer_change_after_trigger)],
        ["Drill ended at", f"{fmt_seconds(analysis.ended_at)} ({reason})"],
        [
            "Stall threshold",
            f"{fmt_seconds(analysis.stall_threshold)} (shorter waits are not downtime)",
        ],
    ]
    return ["", "Drill"], rows


def _command_cell(analysis: Analysis) -> str:
    from proxyctl.drill.trigger import ending

    status = analysis.trigger_exit_status
    return NONE if status is None else ending(status)


def _recovery_word(value: bool | None) -> str:
    return {True: "yes", False: "no", None: "unknown"}[value]


def servers_table(analysis: Analysis) -> Table:
    header = ["Endpoint", "Server", "In recovery", "Probes", "First seen at", "Last seen at"]
    rows = [
        [
            e.endpoint,
            s.address,
            _recovery_word(s.in_recovery),
            str(s.probes),
            fmt_seconds(s.first_at),
            fmt_seconds(s.last_at),
        ]
        for e in analysis.endpoints
        for s in e.servers
    ]
    return header, rows


def events_table(events: Sequence[DrillEvent]) -> Table:
    rows = [
        [fmt_seconds(e.at), iso(e.wall_time), str(e.kind), e.detail]
        for e in sorted(events, key=lambda e: e.at)
    ]
    return ["At", "Wall time (UTC)", "Event", "Detail"], rows


def endpoints_table(settings: DrillSettings) -> Table:
    """What was probed: one row per endpoint, as the drill was told."""
    rows = [
        [e.label, str(e.kind), f"{e.host}:{e.port}", "yes" if e.expects_writer else "no"]
        for e in settings.endpoints
    ]
    return ["Endpoint", "Kind", "Address", "Expects the writer"], rows


def plain(table: Table) -> str:
    """A table as aligned plain text."""
    header, rows = table
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in [header, *rows]]
    return "\n".join(line.rstrip() for line in lines)
