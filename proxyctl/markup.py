"""Tables in Markdown and HTML with every cell escaped: server, AWS and user strings are
never read as markup (pure; shared by the drill's and the load's reports)."""

from __future__ import annotations

import re
from html import escape

Table = tuple[list[str], list[list[str]]]  # a header and rows of cells

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


def html_table(table: Table) -> str:
    header, rows = table
    head = "".join(f"<th>{escape(c)}</th>" for c in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
