"""What the database itself says, over the shared connection options: who is connected
(pg_stat_activity) and which of its statements pin a proxy session (pg_stat_statements)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from proxyctl.advise.evidence import Activity, Evidence
from proxyctl.errors import ProxyctlError

if TYPE_CHECKING:
    from proxyctl.app import App
    from proxyctl.db.target import Target
    from proxyctl.reach import ConnectionOptions


def _pinning(target: Target, timeout: float) -> tuple[int, int, tuple[str, ...]]:
    from proxyctl.db.statstatements import read_statements
    from proxyctl.pinrules import pins

    read = read_statements(target, timeout)
    calls = sum(c for _, c in read.statements)
    pinning = [(text, c, pins(text)) for text, c in read.statements]
    rules = sorted({p.rule.id for _, _, found in pinning for p in found})
    return calls, sum(c for _, c, found in pinning if found), tuple(rules)


def add_database_side(
    app: App, ev: Evidence, options: ConnectionOptions, timeout: float
) -> Evidence:
    """EV with the database's own view added; a part that cannot be read is said."""
    from proxyctl import reach
    from proxyctl.db.activity import read_activity

    unavailable = dict(ev.unavailable)
    try:
        target = reach.find(app, options).target()
        groups = read_activity(target, timeout)
    except ProxyctlError as exc:
        unavailable["pg_stat_activity"] = exc.message
        return replace(ev, unavailable=unavailable)
    where = f"{target.where}/{target.database}"
    activity = Activity(where, tuple((g.application, g.state, g.count, g.young) for g in groups))
    try:
        calls, pinning, rules = _pinning(target, timeout)
        activity = replace(activity, calls=calls, pinning_calls=pinning, pin_rules=rules)
    except ProxyctlError as exc:
        unavailable["pg_stat_statements"] = exc.message
    return replace(ev, activity=activity, unavailable=unavailable)
