"""The report's pictures as inline SVG (pure): connections over time per endpoint, and a
histogram of connect latency. Labels are escaped; numbers are ours."""

from __future__ import annotations

from html import escape
from typing import Any

WIDTH, HEIGHT, PAD = 640, 200, 40
COLOURS = ("#1c7ed6", "#e8590c", "#2f9e44", "#ae3ec9")


def _frame(title: str, body: list[str], y_max: float, x_label: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT + PAD}" '
        f'role="img"><title>{escape(title)}</title>'
        f'<line x1="{PAD}" y1="{HEIGHT}" x2="{WIDTH}" y2="{HEIGHT}" stroke="#868e96"/>'
        f'<line x1="{PAD}" y1="10" x2="{PAD}" y2="{HEIGHT}" stroke="#868e96"/>'
        f'<text x="2" y="16">{y_max:,.0f}</text><text x="2" y="{HEIGHT}">0</text>'
        f'<text x="{WIDTH // 2}" y="{HEIGHT + 30}">{escape(x_label)}</text>'
        + "".join(body)
        + "</svg>"
    )


def connections_svg(endpoints: list[dict[str, Any]]) -> str:
    """Per endpoint and second: client connections that succeeded (solid) and, where
    counted, the database's peak connections (dashed)."""
    seconds = max((len(e["per_second"]) for e in endpoints), default=1)
    y_max = max(
        [1]
        + [s["succeeded"] for e in endpoints for s in e["per_second"]]
        + [s["database_connections"] or 0 for e in endpoints for s in e["per_second"]]
    )
    step = (WIDTH - PAD) / max(1, seconds - 1) if seconds > 1 else 0

    def line(values: list[int | None], colour: str, dash: str) -> str:
        points = " ".join(
            f"{PAD + i * step:.1f},{HEIGHT - (HEIGHT - 10) * v / y_max:.1f}"
            for i, v in enumerate(values)
            if v is not None
        )
        return f'<polyline fill="none" stroke="{colour}" {dash} points="{points}"/>'

    body = []
    for n, e in enumerate(endpoints):
        colour = COLOURS[n % len(COLOURS)]
        body.append(line([s["succeeded"] for s in e["per_second"]], colour, ""))
        database = [s["database_connections"] for s in e["per_second"]]
        body.append(line(database, colour, 'stroke-dasharray="4 3"'))
        legend = f"{escape(e['label'])}: served per second (solid), database (dashed)"
        body.append(f'<text x="{PAD + 10}" y="{24 + 14 * n}" fill="{colour}">{legend}</text>')
    return _frame("Connections over time", body, y_max, "seconds since the start")


def histogram_svg(label: str, bins: list[dict[str, float]]) -> str:
    """The connect latency histogram (measure.histogram) as bars."""
    counts = [int(b["count"]) for b in bins] or [0]
    top = bins[-1]["up_to_ms"] if bins else 0.0
    y_max = max([1, *counts])
    width = (WIDTH - PAD) / len(counts)
    body = [
        f'<rect x="{PAD + i * width:.1f}" y="{HEIGHT - (HEIGHT - 10) * c / y_max:.1f}" '
        f'width="{max(1.0, width - 2):.1f}" height="{(HEIGHT - 10) * c / y_max:.1f}" '
        'fill="#1c7ed6"/>'
        for i, c in enumerate(counts)
    ]
    x_label = f"{label}: connect latency, 0 to {top:,.0f} ms"
    return _frame(f"Connect latency: {label}", body, y_max, x_label)
