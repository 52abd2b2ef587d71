"""The end of a failover drill: the report (never lost), the gate, the result and how
the command ends (its exit code, and the error to say)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from proxyctl.drill.gate import gate
from proxyctl.drill.options import FailoverOptions
from proxyctl.drill.render.sections import DrillRecord
from proxyctl.drill.render.text import summarize
from proxyctl.drill.run import Outcome
from proxyctl.drill.samples import DrillSettings
from proxyctl.drill.trigger import TriggerFailed, ending
from proxyctl.errors import ExitCode, ProxyctlError

_NOT_JSON = {"json": False}


@dataclass
class FailoverResult:
    """What the drill found, as failover-test shows it; `exit_code` and `error` say how
    the command ends (the error is said after the result)."""

    KIND: ClassVar[str] = "failover-test"
    summary: str
    ended: str
    broken_limits: list[str]
    report: str | None
    analysis: Any = field(default=None)
    trigger_exit_status: int | None = None
    exit_code: ExitCode = field(default=ExitCode.OK, metadata=_NOT_JSON)
    error: ProxyctlError | None = field(default=None, metadata=_NOT_JSON)
    display_error: BaseException | None = field(default=None, metadata=_NOT_JSON)

    def text(self) -> str:
        lines = [self.summary, f"ended: {self.ended}"]
        if self.trigger_exit_status is not None:
            lines.append(f"trigger command: {ending(self.trigger_exit_status)}")
        lines += [f"limit broken: {line}" for line in self.broken_limits]
        if self.report:
            lines.append(f"report: {self.report}")
        return "\n".join(lines) + "\n"


def finish(o: FailoverOptions, settings: DrillSettings, outcome: Outcome) -> FailoverResult:
    """Save the report, judge the gate and decide how the command ends; the result is
    there to show whatever else failed."""
    from proxyctl.drill.report import save_report

    analysis = outcome.analysis
    report, report_error = None, None
    if o.report is not None:
        record = DrillRecord(settings, outcome.samples, outcome.events, analysis)
        report, report_error = save_report(o.report, record)
    broken = gate(analysis, o.max_downtime, o.max_downtime_direct, o.allow_no_failover)
    result = FailoverResult(
        summarize(analysis),
        analysis.end_reason.value if analysis.end_reason else "unknown",
        broken,
        report,
        analysis,
        outcome.trigger_status,
        display_error=outcome.display_error,
    )
    result.exit_code, result.error = _ending(outcome, report_error, broken)
    return result


def _ending(
    outcome: Outcome, report_error: ProxyctlError | None, broken: list[str]
) -> tuple[ExitCode, ProxyctlError | None]:
    """The exit code, and the error that says why, the first of these that holds."""
    if outcome.interrupted:
        return ExitCode.INTERRUPTED, None
    if outcome.trigger_error is not None:
        error = outcome.trigger_error
        code = error.exit_code if isinstance(error, ProxyctlError) else ExitCode.BUG
        failed = TriggerFailed(f"the trigger failed: {getattr(error, 'message', error)}", code)
        return code, failed
    if report_error is not None:
        return report_error.exit_code, report_error
    if outcome.trigger_running:
        return ExitCode.TRIGGER_FAILED, TriggerFailed(
            "the trigger command had not ended at --timeout; it is still running "
            f"(pid {outcome.trigger_pid})"
        )
    if outcome.trigger_status not in (None, 0):
        return ExitCode.TRIGGER_FAILED, TriggerFailed(
            f"the trigger command {ending(outcome.trigger_status)}"
        )
    if broken:
        return ExitCode.CHECK_FAILED, None
    return ExitCode.OK, None
