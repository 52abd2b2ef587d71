"""The pieces of a plan: steps, the values they pass on, and the plan itself (pure).

One kind of step for every plan: init's steps each say how they are undone, a
destroy's steps (deletions) have no undo. `apply` runs either.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from proxyctl.provision.spec import Spec


@dataclass
class Ref:
    """A value that an earlier step of the same run produces (an ARN, a group id)."""

    step: str
    key: str


@dataclass
class Step:
    id: str
    action: str
    summary: str
    undo: str | None = None  # how a failed run undoes it, as the user reads it; None: never
    params: dict[str, Any] = field(default_factory=dict)
    details: list[str] = field(default_factory=list)  # "setting: current -> wanted"


@dataclass
class Deletion(Step):
    """A destroy's step: never undone. A runbook reads what it deletes (action, resource,
    summary), not the AWS parameters, so those stay out of its JSON."""

    id: str = field(metadata={"json": False})
    undo: str | None = field(default=None, metadata={"json": False})
    params: dict[str, Any] = field(default_factory=dict, metadata={"json": False})
    details: list[str] = field(default_factory=list, metadata={"json": False})
    resource: str = ""  # the id or ARN deleted


@dataclass
class Plan:
    KIND: ClassVar[str] = "plan"
    proxy: str
    database: str
    steps: list[Step]
    reused: list[str]
    warnings: list[str]
    # Choices that weaken security (Spec.risks): init asks to confirm them.
    risks: list[str] = field(default_factory=list)
    cost: str = ""  # the proxy's monthly estimate with its arithmetic (pricing.estimate)

    def text(self) -> str:
        lines = [f"Plan for RDS Proxy {self.proxy} in front of {self.database}:"]
        if not self.steps:
            lines.append("  nothing to do: everything in the spec already exists.")
        for number, step in enumerate(self.steps, 1):
            lines.append(f"  {number:>2}. {step.summary}")
            lines += [f"      {detail}" for detail in step.details]
            lines.append(f"      undo: {step.undo}")
        lines += [f"  reuse: {item}" for item in self.reused]
        lines += [f"  warning: {item}" for item in self.risks + self.warnings]
        lines += [f"  cost: {self.cost}"] if self.cost else []
        return "\n".join(lines) + "\n"


def tags(spec: Spec) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in spec.all_tags().items()]
