"""Run a plan's steps, journalling what each creates; on failure undo it, newest first."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from proxyctl.errors import ExitCode, ProxyctlError
from proxyctl.provision.plan import Plan, Ref, Step

# (action, params, context) -> (outputs, undo); and (undo action, params, context) -> None
RunStep = Callable[[str, dict[str, Any]], tuple[dict[str, Any], tuple[str, dict[str, Any]]]]
RunUndo = Callable[[str, dict[str, Any]], None]


@dataclass
class Created:
    step: str
    summary: str
    undo_action: str
    undo_params: dict[str, Any]


@dataclass
class Journal:
    created: list[Created] = field(default_factory=list)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)


class ApplyFailed(ProxyctlError):
    """A step failed (or was interrupted); says what was undone and what is left."""

    kind = "apply_failed"

    def __init__(
        self,
        step: Step,
        number: int,
        total: int,
        cause: BaseException,
        undone: list[str],
        left: list[str],
        name: str,
    ) -> None:
        interrupted = isinstance(cause, KeyboardInterrupt)
        what = "was interrupted" if interrupted else "failed"
        reason = "" if interrupted else f": {getattr(cause, 'message', None) or cause}"
        message = f"step {number} of {total} ({step.summary}) {what}{reason}"
        lines = [message]
        if undone:
            lines.append("undone, newest first: " + "; ".join(undone) + ".")
        if left:
            lines.append("left in place: " + "; ".join(left) + ".")
        hint = getattr(cause, "hint", None)
        if left:
            hint = f"Remove what is left with `proxyctl destroy {name}`." + (
                f" {hint}" if hint else ""
            )
        super().__init__("\n".join(lines), hint=hint)
        if interrupted:
            self.exit_code = ExitCode.INTERRUPTED
        elif isinstance(cause, ProxyctlError):
            self.exit_code = cause.exit_code
        self.step = step
        self.undone = undone
        self.left = left


def resolve(value: Any, outputs: dict[str, dict[str, Any]]) -> Any:
    """Replace each Ref with what the earlier step produced."""
    if isinstance(value, Ref):
        return outputs[value.step][value.key]
    if isinstance(value, dict):
        return {k: resolve(v, outputs) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, outputs) for v in value]
    return value


def apply(
    plan: Plan,
    run_step: RunStep,
    run_undo: RunUndo,
    *,
    keep_on_failure: bool = False,
    started: Callable[[int, int, Step], None] = lambda number, total, step: None,
    extra: Callable[[Journal], None] | None = None,
) -> Journal:
    """Run every step; `extra` (the health wait) runs last, inside the same undo guard."""
    journal = Journal()
    total = len(plan.steps)
    step, number = (plan.steps[0] if plan.steps else Step("wait", "wait", "wait", "")), 0
    try:
        for number, step in enumerate(plan.steps, 1):
            started(number, total, step)
            outputs, (undo_action, undo_params) = run_step(
                step.action, resolve(step.params, journal.outputs)
            )
            journal.outputs[step.id] = outputs
            journal.created.append(Created(step.id, step.summary, undo_action, undo_params))
        if extra is not None:
            step, number = (
                Step("wait", "wait", "wait until the proxy and its targets are healthy", ""),
                total,
            )
            extra(journal)
    except (Exception, KeyboardInterrupt) as exc:
        undone, left = roll_back(journal, run_undo, keep_on_failure)
        raise ApplyFailed(step, number, total, exc, undone, left, plan.proxy) from exc
    return journal


def roll_back(journal: Journal, run_undo: RunUndo, keep: bool) -> tuple[list[str], list[str]]:
    """Undo the journal newest first; what cannot be undone is reported as left."""
    undone: list[str] = []
    left: list[str] = []
    for item in reversed(journal.created):
        if keep:
            left.append(item.summary)
            continue
        try:
            run_undo(item.undo_action, item.undo_params)
            undone.append(item.summary)
        except (Exception, KeyboardInterrupt) as exc:
            left.append(f"{item.summary} (undo failed: {getattr(exc, 'message', exc)})")
    return undone, left
