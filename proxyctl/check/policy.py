"""Whether IAM policy documents allow an action on a resource: a static reading (pure).

This is not IAM's policy simulator. It reads Effect, Action/NotAction and
Resource/NotResource with IAM's wildcards (`*`, `?`), lets an explicit Deny win,
and cannot evaluate conditions: an Allow under a condition counts as allowing
(proxyctl's own kms:Decrypt statement has one), a Deny under a condition is
left out (such denies usually restrict context, such as the network path).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

Document = dict[str, Any]


class Verdict(StrEnum):
    ALLOWED = "allowed"
    DENIED = "denied"  # an explicit Deny matches
    NOT_ALLOWED = "not allowed"  # no Allow matches


@dataclass
class Decision:
    verdict: Verdict
    policy: str | None = None  # the policy whose statement decided
    conditional: bool = False  # the deciding Allow has a Condition


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return [value] if isinstance(value, str | dict) else list(value)


def statements(document: Document) -> list[dict[str, Any]]:
    return [s for s in as_list(document.get("Statement")) if isinstance(s, dict)]


def wildcard_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """IAM's wildcards: `*` any run of characters (also `:` and `/`), `?` one character."""
    regex = "".join(
        ".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in str(pattern)
    )
    return re.fullmatch(regex, value, re.IGNORECASE if ignore_case else 0) is not None


def _matches(statement: dict[str, Any], key: str, value: str, ignore_case: bool) -> bool:
    if key in statement:
        return any(
            wildcard_match(p, value, ignore_case=ignore_case) for p in as_list(statement[key])
        )
    negated = f"Not{key}"
    if negated in statement:
        patterns = as_list(statement[negated])
        return not any(wildcard_match(p, value, ignore_case=ignore_case) for p in patterns)
    return False


def applies(statement: dict[str, Any], action: str, resource: str) -> bool:
    # Actions are case-insensitive in IAM; ARNs are not.
    return _matches(statement, "Action", action, True) and _matches(
        statement, "Resource", resource, False
    )


def decide(documents: dict[str, Document], action: str, resource: str) -> Decision:
    """What DOCUMENTS (policy name -> document) say about ACTION on RESOURCE."""
    allowed: Decision | None = None
    for name, document in documents.items():
        for statement in statements(document):
            if not applies(statement, action, resource):
                continue
            if statement.get("Effect") == "Deny" and not statement.get("Condition"):
                return Decision(Verdict.DENIED, name)
            if statement.get("Effect") == "Allow" and (allowed is None or allowed.conditional):
                allowed = Decision(Verdict.ALLOWED, name, bool(statement.get("Condition")))
    return allowed or Decision(Verdict.NOT_ALLOWED)


def naming_principal(document: Document, principals: list[str]) -> Document:
    """The statements of a resource policy (a KMS key policy) naming one of PRINCIPALS."""
    kept = []
    for statement in statements(document):
        principal = statement.get("Principal", {})
        named = as_list(principal.get("AWS")) if isinstance(principal, dict) else []
        if any(p in named for p in principals):
            kept.append({**statement, "Resource": statement.get("Resource", "*")})
    return {"Statement": kept}
