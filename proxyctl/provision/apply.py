"""Run a plan's steps, journalling what each creates; on failure undo it, newest first.

The one engine for init and destroy: a step with an undo is journalled and undone
when a later one fails; a step without one (a destroy's deletion) stays done, and
the failure says what is left. A call cut short (Ctrl-C while it was in flight) may
have made its resource: it is looked for and undone with the rest, or reported as
one that may exist.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from proxyctl.errors import ExitCode, ProxyctlError
from proxyctl.provision.steps import Ref, Step

Undo = tuple[str, dict[str, Any]]
# (action, params) -> (outputs, the undo of what it did or None); (undo action, params) -> None
RunStep = Callable[[str, dict[str, Any]], tuple[dict[str, Any], Undo | None]]
RunUndo = Callable[[str, dict[str, Any]], None]
# After a call whose outcome is unknown (Ctrl-C while it was in flight, a lost answer):
# (action, params, undo actions journalled so far) -> the undo of what it made, or None.
# It raises when it cannot tell.
FindLeftover = Callable[[str, dict[str, Any], list[str]], tuple[str, dict[str, Any]] | None]
ANSWERED = (ExitCode.USAGE, ExitCode.NOT_FOUND, ExitCode.AWS_REFUSED)  # AWS said no: nothing made


class Progress(Protocol):
    """Where a run shows its steps and what it waits for (the command's progress lines)."""

    def step(self, number: int, total: int, summary: str) -> None: ...
    def report(self, message: str) -> None: ...


class Steps(Protocol):
    """What apply runs: init's Plan, or a destroy's plan."""

    @property
    def proxy(self) -> str: ...
    @property
    def steps(self) -> Sequence[Step]: ...


@dataclass
class Created:
    step: str
    summary: str
    undo_action: str
    undo_params: dict[str, Any]


@dataclass
class Journal:
    created: list[Created] = field(default_factory=list)  # what a failure undoes
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    done: list[Step] = field(default_factory=list)  # every step that ran, in order


@dataclass
class Cleanup:
    """What the cleanup of a failed run did, as the user reads it."""

    undone: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    may_exist: list[str] = field(default_factory=list)  # a call cut short: made or not
    deleted: list[Step] = field(default_factory=list)  # steps without an undo that ran


class ApplyFailed(ProxyctlError):
    """A step failed (or was interrupted). For init: what was undone, what may exist, what is
    left in place. For a destroy, which undoes nothing: what was deleted, and what is left."""

    kind = "apply_failed"

    def __init__(
        self, plan: Steps, step: Step, number: int, cause: BaseException, done: Cleanup
    ) -> None:
        interrupted = isinstance(cause, KeyboardInterrupt)
        what = "was interrupted" if interrupted else "failed"
        reason = "" if interrupted else f": {getattr(cause, 'message', None) or cause}"
        self.step, self.cleanup = step, done
        self.deleted = done.deleted
        self.left = list(plan.steps[number - 1 :])  # a destroy's steps not done
        first = f"step {number} of {len(plan.steps)} ({step.summary}) {what}{reason}"
        hint = getattr(cause, "hint", None)
        if any(s.undo is not None for s in plan.steps):
            message, hint = _undone(first, done, hint, plan.proxy)
        else:
            message, hint = _deleted(first, done, self.left, hint, plan.proxy)
            self.kind = "destroy_failed"
        super().__init__(message, hint=hint)
        if interrupted:
            self.exit_code = ExitCode.INTERRUPTED
        elif isinstance(cause, ProxyctlError):
            self.exit_code = cause.exit_code

    def to_dict(self) -> dict[str, object]:
        if self.kind == "destroy_failed":
            from proxyctl.output import jsonable

            return {
                **super().to_dict(),
                "deleted": jsonable(self.deleted),
                "left": jsonable(self.left),
            }
        done = self.cleanup
        return {
            **super().to_dict(),
            "undone": done.undone,
            "may_exist": done.may_exist,
            "left": done.left,
        }


def _undone(first: str, done: Cleanup, hint: str | None, name: str) -> tuple[str, str | None]:
    lines = [first]
    if done.undone:
        lines.append("undone, newest first: " + "; ".join(done.undone) + ".")
    lines += [f"may exist: {item}." for item in done.may_exist]
    if done.left:
        lines.append("left in place: " + "; ".join(done.left) + ".")
    if done.left or done.may_exist:
        hint = f"Remove what is left or may exist with `proxyctl destroy {name}`." + (
            f" {hint}" if hint else ""
        )
    return "\n".join(lines), hint


def _deleted(
    first: str, done: Cleanup, left: list[Step], hint: str | None, name: str
) -> tuple[str, str]:
    lines = [first]
    lines.append("deleted: " + ("; ".join(s.summary for s in done.deleted) or "nothing") + ".")
    lines.append("left: " + "; ".join(s.summary for s in left) + ".")
    again = f"Fix the cause, then run `proxyctl destroy {name}` again: it finds what is left."
    return "\n".join(lines), f"{hint} {again}" if hint else again


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
    plan: Steps,
    run_step: RunStep,
    run_undo: RunUndo | None = None,
    *,
    find_leftover: FindLeftover | None = None,
    keep_on_failure: bool = False,
    started: Callable[[int, int, Step], None] = lambda number, total, step: None,
    extra: Callable[[Journal], None] | None = None,
) -> Journal:
    """Run every step; `extra` (the health wait) runs last, inside the same undo guard."""
    journal = Journal()
    total = len(plan.steps)
    step, number = (plan.steps[0] if plan.steps else WAIT), 0
    in_flight: dict[str, Any] | None = None  # the params of a call not yet journalled
    try:
        for number, step in enumerate(plan.steps, 1):
            started(number, total, step)
            in_flight = resolve(step.params, journal.outputs)
            outputs, undo = run_step(step.action, in_flight)
            journal.outputs[step.id] = outputs
            journal.done.append(step)
            if undo is not None and step.undo is not None:
                journal.created.append(Created(step.id, step.summary, *undo))
            in_flight = None
        if extra is not None:
            step, number = WAIT, total
            extra(journal)
    except (Exception, KeyboardInterrupt) as exc:
        if step.undo is None or (isinstance(exc, ProxyctlError) and exc.exit_code in ANSWERED):
            in_flight = None  # AWS answered no, or nothing is undone: nothing to look for
        done = _clean_up(journal, run_undo, keep_on_failure, (step, in_flight), find_leftover)
        done.deleted = [s for s in journal.done if s.undo is None]
        raise ApplyFailed(plan, step, number, exc, done) from exc
    return journal


WAIT = Step("wait", "wait", "wait until the proxy and its targets are healthy", "")


def _clean_up(
    journal: Journal,
    run_undo: RunUndo | None,
    keep: bool,
    cut_short: tuple[Step, dict[str, Any] | None],
    find: FindLeftover | None,
) -> Cleanup:
    """Look for what a call cut short made, then roll the journal back."""
    done = Cleanup()
    step, params = cut_short
    if run_undo is None:
        return done  # nothing was journalled to undo
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
