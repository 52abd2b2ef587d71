"""The HTML report: one self-contained page (no scripts, no external files) with the
summary, the timeline picture (inline SVG) and the report's sections as tables."""

from __future__ import annotations

from html import escape

from proxyctl.drill.render.sections import SECTIONS, TITLE, DrillRecord, how_it_ran, summary
from proxyctl.drill.render.svg import timeline_svg
from proxyctl.markup import html_table

STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #212529; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ced4da; padding: 0.25em 0.6em; text-align: left; }
th { background: #f1f3f5; }
.summary { font-size: 1.2em; font-weight: 600; }
svg { max-width: 100%; height: auto; }
svg text { font: 12px system-ui, sans-serif; fill: #212529; }
"""


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
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{TITLE}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(blocks)
        + "\n</body>\n</html>\n"
    )
