"""The HTML report: one self-contained page (no scripts, no external files) with the
summary, the timeline picture (inline SVG) and the report's sections as tables."""

from __future__ import annotations

from html import escape

from proxyctl.drill.render.sections import SECTIONS, TITLE, DrillRecord, how_it_ran, summary
from proxyctl.drill.render.svg import timeline_svg
from proxyctl.markup import html_page, html_table


def report_html(record: DrillRecord) -> str:
    blocks = [
        f"<h1>{TITLE}</h1>",
        f'<p class="summary">{escape(summary(record))}</p>',
        f"<p>{escape(how_it_ran(record))} Moments (“at”) are seconds since probing began.</p>",
        "<h2>Timeline</h2>",
        timeline_svg(record.samples, record.analysis),
    ]
    for section in SECTIONS:
        blocks += [f"<h2>{section.title}</h2>", html_table(section.table(record))]
    return html_page(TITLE, blocks)
