"""`--report FILE`: the drill written down, as JSON, Markdown or HTML (by suffix).

Files are written atomically (a temporary file in the same directory, then a
rename), so a reader never sees half a report, also after Ctrl-C. A report that
cannot be written is kept as JSON in the temporary directory: a drill's results
are never lost.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from proxyctl.drill.render.sections import DrillRecord
from proxyctl.drill.samples import DrillEvent, DrillSettings
from proxyctl.drill.timeline import Analysis
from proxyctl.errors import ProxyctlError, UsageError
from proxyctl.model.probe import ProbeSample

FORMATS = (".json", ".md", ".html")


def check_report_path(path: Path) -> str:
    """The report's format ('.json', '.md', '.html'); a UsageError naming --report for
    any other suffix or a missing directory. Call it before the drill starts."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise UsageError(
            f"--report: cannot write a {suffix or 'suffix-less'} file ({path}).",
            hint="Name the report file .json (every sample), .md (tables) or .html (a picture).",
            field="--report",
        )
    from proxyctl.files import check_writable

    check_writable(path, "--report")
    return suffix


def _renderer(suffix: str) -> Callable[[DrillRecord], str]:
    if suffix == ".md":
        from proxyctl.drill.render.markdown import report_markdown

        return report_markdown
    if suffix == ".html":
        from proxyctl.drill.render.html import report_html

        return report_html
    from proxyctl.drill.render.json_report import report_json

    return report_json


def write_atomically(path: Path, text: str) -> None:
    # failover-test asked before the drill whether an existing report may be replaced.
    from proxyctl.files import write_text

    write_text(path, text, "--report", overwrite=True)


def write_report(
    path: Path,
    settings: DrillSettings,
    samples: Sequence[ProbeSample],
    events: Sequence[DrillEvent],
    analysis: Analysis,
) -> None:
    """Write the report in the format the suffix names."""
    render = _renderer(check_report_path(path))
    try:
        write_atomically(path, render(DrillRecord(settings, samples, events, analysis)))
    except OSError as exc:
        raise UsageError(
            f"--report: cannot write {path}: {exc.strerror}.",
            hint="Check that the directory is writable, or write the report elsewhere.",
            field="--report",
        ) from None


def save_report(path: Path, record: DrillRecord) -> tuple[str, ProxyctlError | None]:
    """Write the report, and say where it went. When that fails, the JSON report goes
    to a new file in the temporary directory instead, named in the error's hint."""
    import tempfile

    from proxyctl.drill.render.json_report import report_json

    try:
        write_report(path, record.settings, record.samples, record.events, record.analysis)
    except ProxyctlError as exc:
        fd, kept = tempfile.mkstemp(prefix="proxyctl-drill-", suffix=".json")
        with open(fd, "w", encoding="utf-8") as handle:
            handle.write(report_json(record))
        exc.hint = f"The report was written as JSON to {kept} instead."
        return kept, exc
    return str(path), None
