"""A trigger fires once, never twice; a command's text stays out of the report."""

from __future__ import annotations

import pytest

from proxyctl.drill import trigger


def test_fires_once_even_when_the_first_call_fails() -> None:
    calls: list[int] = []

    def fail_over() -> None:
        calls.append(1)
        raise RuntimeError("throttled")

    made = trigger.aws_trigger(fail_over, "orders-db", None)
    with pytest.raises(RuntimeError):
        made.fire()
    with pytest.raises(trigger.AlreadyFired):
        made.fire()
    assert calls == [1]


def test_command_detail_does_not_carry_the_command() -> None:
    made = trigger.command_trigger("PGPASSWORD=hunter2 true", {"PATH": "/usr/bin:/bin"})
    detail = made.fire()
    assert made.process is not None and made.process.wait(timeout=10) == 0
    assert "hunter2" not in detail and detail.startswith("--trigger-command started (pid ")
