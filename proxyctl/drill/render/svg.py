"""The timeline picture: inline SVG, one row per endpoint and one cell per probe,
coloured by outcome and error class, with the trigger and the writer change marked."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from proxyctl.drill.timeline import Analysis
from proxyctl.model.probe import ErrorClass, ProbeSample

OK_COLOUR = "#2f9e44"
COLOURS = {
    ErrorClass.REFUSED: "#f03e3e",
    ErrorClass.TIMEOUT: "#a61e4d",
    ErrorClass.DNS: "#f76707",
    ErrorClass.TLS: "#d6336c",
    ErrorClass.AUTH: "#9c36b5",
    ErrorClass.ADMIN_SHUTDOWN: "#5f3dc4",
    ErrorClass.READ_ONLY: "#f59f00",
    ErrorClass.OTHER: "#495057",
}
LEFT, WIDTH, TOP, ROW, GAP = 120, 1000, 34, 22, 8
TICK_STEPS = (0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800)


def colour(sample: ProbeSample) -> str:
    cls = sample.failure_class
    return OK_COLOUR if cls is None else COLOURS[cls]


def _title(sample: ProbeSample) -> str:
    latency = "unfinished" if sample.latency is None else f"{sample.latency * 1000:.0f} ms"
    what = "ok" if sample.ok else f"{sample.failure_class}"
    if sample.sqlstate:
        what += f" {sample.sqlstate}"
    where = f", {sample.server_addr}" if sample.server_addr else ""
    recovery = ", in recovery" if sample.in_recovery else ""
    when = f"{sample.endpoint} #{sample.seq} at {sample.started_at:.2f} s"
    return f"{when}: {what}, {latency}{where}{recovery}"


def _cells(samples: Sequence[ProbeSample], rows: dict[str, int], scale: float, step: float) -> str:
    width = max(0.5, step * scale * 0.85)
    out = []
    for s in sorted(samples, key=lambda s: s.started_at):
        y = TOP + rows[s.endpoint] * (ROW + GAP)
        out.append(
            f'<rect class="probe" x="{LEFT + s.started_at * scale:.2f}" y="{y}"'
            f' width="{width:.2f}" height="{ROW}" fill="{colour(s)}">'
            f"<title>{escape(_title(s))}</title></rect>"
        )
    return "\n".join(out)


def _marker(at: float, scale: float, bottom: int, label: str, line: int) -> str:
    x = LEFT + at * scale
    # Near the right edge the label goes to the left of its line.
    anchor, dx = (' text-anchor="end"', -3) if x > LEFT + WIDTH * 0.8 else ("", 3)
    return (
        f'<line class="marker" x1="{x:.2f}" y1="{TOP - 4}" x2="{x:.2f}" y2="{bottom}"'
        ' stroke="#212529" stroke-width="1.5" stroke-dasharray="4 3"/>'
        f'<text x="{x + dx:.2f}" y="{12 + 12 * line}"{anchor}>{escape(label)} ({at:.1f} s)</text>'
    )


def _axis(span: float, scale: float, y: int) -> str:
    step = next((t for t in TICK_STEPS if span / t <= 10), TICK_STEPS[-1])
    out = [f'<line x1="{LEFT}" y1="{y}" x2="{LEFT + WIDTH}" y2="{y}" stroke="#868e96"/>']
    tick = 0.0
    while tick <= span:
        x = LEFT + tick * scale
        out.append(f'<line x1="{x:.2f}" y1="{y}" x2="{x:.2f}" y2="{y + 4}" stroke="#868e96"/>')
        out.append(f'<text x="{x:.2f}" y="{y + 16}" text-anchor="middle">{tick:g} s</text>')
        tick += step
    return "\n".join(out)


def _legend(samples: Sequence[ProbeSample], y: int) -> str:
    seen = {s.failure_class for s in samples}
    entries = [("ok", OK_COLOUR)] if None in seen else []
    entries += [(str(cls), COLOURS[cls]) for cls in ErrorClass if cls in seen]
    out, x = [], LEFT
    for name, fill in entries:
        out.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{fill}"/>')
        out.append(f'<text x="{x + 16}" y="{y + 11}">{escape(name)}</text>')
        x += 34 + 7 * len(name)  # about 7 px a character at 12 px
    return "\n".join(out)


def timeline_svg(samples: Sequence[ProbeSample], analysis: Analysis) -> str:
    """One row per endpoint, one cell per probe at its start, coloured by outcome and
    error class; dashed markers at the trigger and at the writer change."""
    labels = [e.endpoint for e in analysis.endpoints]
    rows = {label: i for i, label in enumerate(labels)}
    last = max((s.started_at for s in samples), default=0.0) + analysis.interval
    span = max(analysis.ended_at, last, analysis.interval)
    scale = WIDTH / span
    bottom = TOP + len(labels) * (ROW + GAP)
    parts = [
        f'<text x="{LEFT - 8}" y="{TOP + i * (ROW + GAP) + 15}" text-anchor="end">'
        f"{escape(label)}</text>"
        for i, label in enumerate(labels)
    ]
    parts.append(_cells(samples, rows, scale, analysis.interval))
    if analysis.trigger_at is not None:
        parts.append(_marker(analysis.trigger_at, scale, bottom, "trigger", 0))
    if analysis.writer_changed_at is not None:
        parts.append(_marker(analysis.writer_changed_at, scale, bottom, "writer changed", 1))
    parts.append(_axis(span, scale, bottom))
    parts.append(_legend(samples, bottom + 30))
    height, full = bottom + 50, LEFT + WIDTH + 20
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {full} {height}"'
        f' width="{full}" height="{height}" role="img" aria-label="probe timeline">\n'
        + "\n".join(parts)
        + "\n</svg>"
    )
