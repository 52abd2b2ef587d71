"""Tables in Markdown and HTML with every cell escaped: server, AWS and user strings are
never read as markup; and the self-contained HTML page around them (pure; shared by the
drill's and the load's reports)."""

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


# The reports' look: no scripts and no external files, so a page reads anywhere.
STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #212529; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ced4da; padding: 0.25em 0.6em; text-align: left; }
th { background: #f1f3f5; }
.summary { font-size: 1.2em; font-weight: 600; }
svg { max-width: 100%; height: auto; }
svg text { font: 12px system-ui, sans-serif; fill: #212529; }
"""


def html_page(title: str, blocks: list[str]) -> str:
    """One self-contained page: TITLE (not escaped: the reports' own) and BLOCKS, each
    HTML already escaped where it holds outside text."""
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(blocks)
        + "\n</body>\n</html>\n"
    )
