"""The Markdown report: the summary, how the drill ran, and the report's sections as
tables. Server and AWS strings are escaped, never read as Markdown or HTML."""

from __future__ import annotations

from proxyctl.drill.render.sections import SECTIONS, TITLE, DrillRecord, how_it_ran, summary
from proxyctl.markup import md_cell, md_table

__all__ = ["md_cell", "md_table", "report_markdown"]


def report_markdown(record: DrillRecord) -> str:
    blocks = [
        f"# {TITLE}",
        f"**{md_cell(summary(record))}**",
        md_cell(how_it_ran(record)) + ' Moments ("at") are seconds since probing began.',
    ]
    for section in SECTIONS:
        blocks += [f"## {section.title}", md_table(section.table(record))]
    return "\n\n".join(blocks) + "\n"
