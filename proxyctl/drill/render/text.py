"""The drill in plain text: one sentence ("proxy: 3.4 s unavailable, direct: 27.9 s:
the proxy cut downtime by 88%", with what did not recover and how the drill ended),
the line saying how it was run, and the analysis as aligned tables."""

from __future__ import annotations

from proxyctl.drill.render.tables import endpoint_table, overall_table, plain
from proxyctl.drill.samples import DrillSettings, EndpointKind, EventKind
from proxyctl.drill.timeline import Analysis, EndpointAnalysis, fmt_seconds
from proxyctl.output import iso


def _phrase(found: EndpointAnalysis) -> str:
    if found.downtime is None:
        return "no failed or stalled probe"
    if not found.recovered:
        return f"not recovered after {fmt_seconds(found.downtime)}"
    return fmt_seconds(found.downtime)


def _comparison(proxy: EndpointAnalysis, direct: EndpointAnalysis) -> str:
    if direct.downtime is None:
        return (
            "no downtime was measured"
            if proxy.downtime is None
            else "the proxy did not cut downtime"
        )
    if not proxy.recovered:
        return "neither recovered" if not direct.recovered else "the proxy did not recover"
    ours = proxy.downtime or 0.0
    if ours >= direct.downtime:
        return "the proxy did not cut downtime"
    cut = round(100 * (direct.downtime - ours) / direct.downtime)
    if ours > 0:
        cut = min(cut, 99)  # never claim 100% while the proxy had failures
    return f"the proxy cut downtime by {'' if direct.recovered else 'at least '}{cut}%"


def summarize(analysis: Analysis) -> str:
    """One sentence: "proxy: 3.4 s unavailable, direct: 27.9 s: the proxy cut downtime
    by 88%", with how the drill ended when it did not settle."""
    if not analysis.endpoints:
        return "no probes were recorded"
    parts, unit_said = [], False
    for found in analysis.endpoints:
        phrase = _phrase(found)
        if found.downtime is not None and found.recovered and not unit_said:
            phrase, unit_said = phrase + " unavailable", True
        parts.append(f"{found.endpoint}: {phrase}")
    sentence = ", ".join(parts)
    proxy = analysis.first_of(EndpointKind.PROXY)
    direct = analysis.first_of(EndpointKind.DIRECT)
    if proxy and direct:
        sentence += ": " + _comparison(proxy, direct)
    elif proxy:
        sentence += " (no direct endpoint to compare)"
    if analysis.end_reason is EventKind.TIMEOUT:
        sentence += f"; the drill timed out after {fmt_seconds(analysis.ended_at)}"
    elif analysis.end_reason is EventKind.INTERRUPTED:
        sentence += f"; interrupted after {fmt_seconds(analysis.ended_at)}, figures are partial"
    return sentence


def analysis_text(analysis: Analysis) -> str:
    """The endpoint and drill tables, then the summary."""
    blocks = [plain(endpoint_table(analysis)), plain(overall_table(analysis))]
    return "\n\n".join([*blocks, summarize(analysis)]) + "\n"


def settings_line(settings: DrillSettings) -> str:
    """How the drill was run, in one line: "started ..., trigger aws, cluster ..."."""
    parts = [f"started {iso(settings.started)}", f"trigger {settings.trigger}"]
    if settings.cluster:
        parts.append(f"cluster {settings.cluster}")
    parts += [
        f"mode {settings.mode}" + (" with writes" if settings.write else ""),
        f"interval {fmt_seconds(settings.interval)}",
        f"probe timeout {fmt_seconds(settings.probe_timeout)}",
        f"settle {fmt_seconds(settings.settle)}",
        f"timeout {fmt_seconds(settings.timeout)}",
    ]
    return ", ".join(parts)
