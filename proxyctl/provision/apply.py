"""Run a plan's steps, journalling what each creates; on failure undo it, newest first.

A call cut short (Ctrl-C while it was in flight) may have made its resource: it is
looked for and undone with the rest, or reported as one that may exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from proxyctl.errors import ExitCode, ProxyctlError
from proxyctl.provision.plan import Plan, Ref, Step

# (action, params) -> (outputs, undo); and (undo action, params) -> None
RunStep = Callable[[str, dict[str, Any]], tuple[dict[str, Any], tuple[str, dict[str, Any]]]]
RunUndo = Callable[[str, dict[str, Any]], None]
# After a call whose outcome is unknown (Ctrl-C while it was in flight, a lost answer):
# (action, params, undo actions journalled so far) -> the undo of what it made, or None.
# It raises when it cannot tell.
FindLeftover = Callable[[str, dict[str, Any], list[str]], tuple[str, dict[str, Any]] | None]
ANSWERED = (ExitCode.USAGE, ExitCode.NOT_FOUND, ExitCode.AWS_REFUSED)  # AWS said no: nothing made


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


@dataclass
class Cleanup:
    """What the cleanup of a failed run did, as the user reads it."""

    undone: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    may_exist: list[str] = field(default_factory=list)  # a call cut short: made or not


class ApplyFailed(ProxyctlError):
    """A step failed (or was interrupted); says what was undone, what may exist, what is left."""

    kind = "apply_failed"

    def __init__(
        self, step: Step, number: int, total: int, cause: BaseException, done: Cleanup, name: str
    ) -> None:
        interrupted = isinstance(cause, KeyboardInterrupt)
        what = "was interrupted" if interrupted else "failed"
        reason = "" if interrupted else f": {getattr(cause, 'message', None) or cause}"
        lines = [f"step {number} of {total} ({step.summary}) {what}{reason}"]
        if done.undone:
            lines.append("undone, newest first: " + "; ".join(done.undone) + ".")
        lines += [f"may exist: {item}." for item in done.may_exist]
        if done.left:
            lines.append("left in place: " + "; ".join(done.left) + ".")
        hint = getattr(cause, "hint", None)
        if done.left or done.may_exist:
            hint = f"Remove what is left or may exist with `proxyctl destroy {name}`." + (
                f" {hint}" if hint else ""
            )
        super().__init__("\n".join(lines), hint=hint)
        if interrupted:
            self.exit_code = ExitCode.INTERRUPTED
        elif isinstance(cause, ProxyctlError):
            self.exit_code = cause.exit_code
        self.step = step
        self.cleanup = done

    def to_dict(self) -> dict[str, object]:
        done = self.cleanup
        return {
            **super().to_dict(),
            "undone": done.undone,
            "may_exist": done.may_exist,
            "left": done.left,
        }


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
    find_leftover: FindLeftover | None = None,
    keep_on_failure: bool = False,
    started: Callable[[int, int, Step], None] = lambda number, total, step: None,
    extra: Callable[[Journal], None] | None = None,
) -> Journal:
    """Run every step; `extra` (the health wait) runs last, inside the same undo guard."""
    journal = Journal()
    total = len(plan.steps)
    step, number = (plan.steps[0] if plan.steps else Step("wait", "wait", "wait", "")), 0
    in_flight: dict[str, Any] | None = None  # the params of a call not yet journalled
    try:
        for number, step in enumerate(plan.steps, 1):
            started(number, total, step)
            in_flight = resolve(step.params, journal.outputs)
            outputs, (undo_action, undo_params) = run_step(step.action, in_flight)
            journal.outputs[step.id] = outputs
            journal.created.append(Created(step.id, step.summary, undo_action, undo_params))
            in_flight = None
        if extra is not None:
            step, number = (
                Step("wait", "wait", "wait until the proxy and its targets are healthy", ""),
                total,
            )
            extra(journal)
    except (Exception, KeyboardInterrupt) as exc:
        if isinstance(exc, ProxyctlError) and exc.exit_code in ANSWERED:
            in_flight = None  # AWS answered no: the call made nothing
        done = _clean_up(journal, run_undo, keep_on_failure, (step, in_flight), find_leftover)
        raise ApplyFailed(step, number, total, exc, done, plan.proxy) from exc
    return journal


def _clean_up(
    journal: Journal,
    run_undo: RunUndo,
    keep: bool,
    cut_short: tuple[Step, dict[str, Any] | None],
    find: FindLeftover | None,
) -> Cleanup:
    """Look for what a call cut short made, then roll the journal back."""
    done = Cleanup()
    step, params = cut_short
    if params is None or _look_for(step, params, journal, find, done):
        return roll_back(journal, run_undo, keep, done)
    done.left += [item.summary for item in reversed(journal.created)]  # Ctrl-C again: stop
    return done


def _look_for(
    step: Step,
    params: dict[str, Any],
    journal: Journal,
    find: FindLeftover | None,
    done: Cleanup,
) -> bool:
    """Journal what a call cut short made, or list it as may exist; False on a further Ctrl-C."""
    if find is None:
        done.may_exist.append(f"{step.summary}, as its call was cut short")
        return True
    try:
        undo = find(step.action, params, [item.undo_action for item in journal.created])
    except KeyboardInterrupt:
        done.may_exist.append(
            f"{step.summary}, as its call was cut short and so was the look for it"
        )
        return False
    except Exception as exc:
        reason = getattr(exc, "message", None) or exc
        done.may_exist.append(
            f"{step.summary}, as its call was cut short and looking for it failed: {reason}"
        )
        return True
    if undo is not None:
        journal.created.append(Created(step.id, step.summary, *undo))
    return True


def roll_back(
    journal: Journal, run_undo: RunUndo, keep: bool, done: Cleanup | None = None
) -> Cleanup:
    """Undo the journal newest first. An undo cut short by Ctrl-C may have worked or not:
    that step may exist, and the cleanup stops there (the user asked to stop)."""
    done = done if done is not None else Cleanup()
    items = list(reversed(journal.created))
    for index, item in enumerate(items):
        if keep:
            done.left.append(item.summary)
            continue
        try:
            run_undo(item.undo_action, item.undo_params)
            done.undone.append(item.summary)
        except KeyboardInterrupt:
            done.may_exist.append(f"{item.summary}, as its undo was interrupted")
            done.left += [later.summary for later in items[index + 1 :]]
            break
        except Exception as exc:
            done.left.append(f"{item.summary} (undo failed: {getattr(exc, 'message', exc)})")
    return done
