"""The end of a failover drill: the report (never lost), the gate, the result and the
exit code."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import typer

from proxyctl.config import Settings
from proxyctl.errors import ExitCode, ProxyctlError

if TYPE_CHECKING:
    from proxyctl.cli.failover_run import FailoverOptions


@dataclass
class FailoverResult:
    KIND: ClassVar[str] = "failover-test"
    summary: str
    ended: str
    broken_limits: list[str]
    report: str | None
    analysis: Any = field(default=None)
    trigger_exit_status: int | None = None

    def text(self) -> str:
        from proxyctl.drill.trigger import ending

        lines = [self.summary, f"ended: {self.ended}"]
        if self.trigger_exit_status is not None:
            lines.append(f"trigger command: {ending(self.trigger_exit_status)}")
        lines += [f"limit broken: {line}" for line in self.broken_limits]
        if self.report:
            lines.append(f"report: {self.report}")
        return "\n".join(lines) + "\n"


def finish(settings: Settings, o: FailoverOptions, drill_settings: Any, outcome: Any) -> None:
    """Report, gate and exit code; the summary is printed whatever else fails."""
    from proxyctl.drill.report import gate
    from proxyctl.drill.timeline import summarize
    from proxyctl.output import emit, warn

    if outcome.display_error is not None:
        warn(f"the live view failed ({type(outcome.display_error).__name__}); the drill went on")
    report, report_error = _save_report(o.report, drill_settings, outcome)
    broken = gate(outcome.analysis, o.max_downtime, o.max_downtime_direct, o.allow_no_failover)
    ended = outcome.analysis.end_reason.value if outcome.analysis.end_reason else "unknown"
    emit(
        FailoverResult(
            summarize(outcome.analysis),
            ended,
            broken,
            report,
            outcome.analysis,
            outcome.trigger_status,
        ),
        settings.json,
    )
    _exit(outcome, report_error, broken)


def _save_report(path: Path | None, drill_settings: Any, outcome: Any) -> tuple[str | None, Any]:
    """Write the report; when that fails, the JSON report goes to a new file in the
    temporary directory instead, so that the drill's results are never lost."""
    import tempfile

    from proxyctl.drill.report import report_json, write_report

    if path is None:
        return None, None
    parts = (drill_settings, outcome.samples, outcome.events, outcome.analysis)
    try:
        write_report(path, *parts)
    except ProxyctlError as exc:
        fd, kept = tempfile.mkstemp(prefix="proxyctl-drill-", suffix=".json")
        with open(fd, "w", encoding="utf-8") as handle:
            handle.write(report_json(*parts))
        exc.hint = f"The report was written as JSON to {kept} instead."
        return kept, exc
    return str(path), None


def _exit(outcome: Any, report_error: ProxyctlError | None, broken: list[str]) -> None:
    from proxyctl.drill.trigger import ending
    from proxyctl.output import clean
    from proxyctl.output import report_error as say

    if outcome.interrupted:
        raise typer.Exit(ExitCode.INTERRUPTED)
    if outcome.trigger_error is not None:
        error = outcome.trigger_error
        said = clean(str(getattr(error, "message", error)))  # AWS's words are data
        sys.stderr.write(f"error: the trigger failed: {said}\n")
        raise typer.Exit(error.exit_code if isinstance(error, ProxyctlError) else ExitCode.BUG)
    if report_error is not None:
        say(report_error, as_json=False)
        raise typer.Exit(report_error.exit_code)
    if outcome.trigger_running:
        sys.stderr.write(
            f"error: the trigger command had not ended at --timeout; it is still running "
            f"(pid {outcome.trigger_pid})\n"
        )
        raise typer.Exit(ExitCode.TRIGGER_FAILED)
    if outcome.trigger_status not in (None, 0):
        sys.stderr.write(f"error: the trigger command {ending(outcome.trigger_status)}\n")
        raise typer.Exit(ExitCode.TRIGGER_FAILED)
    if broken:
        raise typer.Exit(ExitCode.CHECK_FAILED)
