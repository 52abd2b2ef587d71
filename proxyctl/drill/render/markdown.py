"""The Markdown report: the summary, how the drill ran, and the report's sections as
tables. Server and AWS strings are escaped, never read as Markdown or HTML."""

from __future__ import annotations

import re

from proxyctl.drill.render.sections import SECTIONS, TITLE, DrillRecord, how_it_ran, summary
from proxyctl.drill.render.tables import Table

# Enough for text inside a line (table cells, the summary): links and images (no link
# without an unescaped `[`), emphasis, code spans, strike-through and pipes; `<` and `&`
# become entities (raw HTML, autolinks).
_MD_PUNCTUATION = re.compile(r"([\\`*_\[\]|~])")


def md_cell(text: str) -> str:
    """TEXT as literal Markdown: HTML as entities, Markdown punctuation (links, emphasis,
    table pipes) backslash-escaped, on one line. Server and AWS strings pass here."""
    html = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_PUNCTUATION.sub(r"\\\1", html).replace("\r", " ").replace("\n", " ")


def md_table(table: Table) -> str:
    header, rows = table
    lines = [header, ["---"] * len(header), *rows]
    return "\n".join("| " + " | ".join(md_cell(c) for c in line) + " |" for line in lines)


def report_markdown(record: DrillRecord) -> str:
    blocks = [
        f"# {TITLE}",
        f"**{md_cell(summary(record))}**",
        md_cell(how_it_ran(record)) + ' Moments ("at") are seconds since probing began.',
    ]
    for section in SECTIONS:
        blocks += [f"## {section.title}", md_table(section.table(record))]
    return "\n\n".join(blocks) + "\n"
