"""The drill put into words and pictures: the one-sentence summary, tables, the
Markdown, HTML (with an SVG timeline) and JSON reports.

Renderers read the analysis (`proxyctl.drill.timeline`) and the records; the
analysis never imports them.
"""
