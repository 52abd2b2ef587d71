"""Ctrl-C while an AWS call is in flight, and during the rollback: nothing made is forgotten.

A botocore event hook raises KeyboardInterrupt as Ctrl-C would: after the call
went through (AWS made the thing, the answer never reached init), or before it
was sent. The run against moto then has to leave nothing behind, or name what
may exist with the command that removes it.
"""

from __future__ import annotations

from typing import Any

import pytest

from proxyctl.aws import session
from tests.cli.test_init import full_args, stack_leftovers, world
from tests.conftest import Cli

__all__ = ["world"]  # the fixture

NEW_SECRET = ["--secret", "new", "--db-user", "app", "--password-stdin"]
STACK = "orders-proxy"
REAL_CLIENT = session.client


def interrupt(
    monkeypatch: pytest.MonkeyPatch,
    operation: str,
    when: str = "after",
    armed_by: list[str] | None = None,
) -> list[str]:
    """Ctrl-C once at OPERATION (`service.Name`), once ARMED_BY holds a hit; the hits."""
    service, name = operation.split(".")
    hit: list[str] = []
    real = session.client

    def press(model: Any, **kwargs: Any) -> None:
        if model.name == name and not hit and (armed_by is None or armed_by):
            hit.append(operation)
            raise KeyboardInterrupt

    def client(settings: Any, wanted: str) -> Any:
        made = real(settings, wanted)
        if wanted == service:
            made.meta.events.register(f"{when}-call", press)
        return made

    monkeypatch.setattr(session, "client", client)
    return hit


PROXY = "create RDS Proxy orders-proxy"
# The call Ctrl-C cuts short, its step, and the first thing undone: what the call made
# (the pool goes with the proxy of the same run).
IN_FLIGHT = [
    ("secretsmanager.CreateSecret", "create secret proxyctl/orders-proxy/app", None),
    ("iam.CreateRole", "create IAM role orders-proxy-rds-proxy", None),
    ("iam.PutRolePolicy", "allow orders-proxy-rds-proxy secretsmanager:GetSecretValue", None),
    ("ec2.CreateSecurityGroup", "create security group orders-proxy-rds-proxy", None),
    ("ec2.AuthorizeSecurityGroupIngress", "allow 5432 on the proxy's group from", None),
    ("rds.CreateDBProxy", PROXY, None),
    ("rds.ModifyDBProxyTargetGroup", "set the pool", PROXY),
    ("rds.RegisterDBProxyTargets", "register orders-db as the proxy's target", None),
]


@pytest.mark.parametrize(
    ("operation", "summary", "first_undone"), IN_FLIGHT, ids=[o for o, _, _ in IN_FLIGHT]
)
def test_ctrl_c_after_a_create_call_went_through_undoes_what_it_made(
    cli: Cli,
    world: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    operation: str,
    summary: str,
    first_undone: str | None,
) -> None:
    hit = interrupt(monkeypatch, operation)
    run = cli(*full_args(world, *NEW_SECRET), input="pw-123456\n")
    assert hit == [operation]
    assert run.exit_code == 130, run.stderr
    assert f"({summary}" in run.stderr and "was interrupted" in run.stderr
    undone = run.stderr.split("undone, newest first: ", 1)[1]
    assert undone.startswith(first_undone or summary), run.stderr
    assert "may exist" not in run.stderr and "left in place" not in run.stderr
    assert stack_leftovers(world["endpoint"], STACK) == []


def test_ctrl_c_twice_lists_what_may_exist_and_destroy_removes_it(
    cli: Cli, world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The proxy is made, Ctrl-C lands, and a second one stops the look for it."""
    first = interrupt(monkeypatch, "rds.CreateDBProxy")
    also = interrupt(monkeypatch, "rds.DescribeDBProxies", when="before", armed_by=first)
    run = cli(*full_args(world))
    assert also == ["rds.DescribeDBProxies"]
    assert run.exit_code == 130, run.stderr
    assert (
        "may exist: create RDS Proxy orders-proxy (TLS required, IAM auth REQUIRED, SCRAM), "
        "as its call was cut short and so was the look for it." in run.stderr
    )
    assert "left in place: " in run.stderr  # the cleanup stopped at the second Ctrl-C
    assert f"`proxyctl destroy {STACK}`" in run.stderr
    assert "proxy" in stack_leftovers(world["endpoint"], STACK)
    monkeypatch.setattr(session, "client", REAL_CLIENT)  # Ctrl-C no more
    removed = cli("--yes", "destroy", STACK)
    assert removed.exit_code == 0, removed.stderr
    assert stack_leftovers(world["endpoint"], STACK) == []


def test_ctrl_c_during_the_rollback_lists_the_current_step_as_may_exist(
    cli: Cli, world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    interrupt(monkeypatch, "rds.RegisterDBProxyTargets", when="before")
    interrupt(monkeypatch, "rds.DeleteDBProxy")  # Ctrl-C again, while the proxy is deleted
    run = cli(*full_args(world))
    assert run.exit_code == 130, run.stderr
    lines = run.stderr.splitlines()
    failed = next(line for line in lines if line.startswith("error: step "))
    assert failed.startswith("error: step 9 of 9 (register orders-db as the proxy's target")
    assert "undone, newest first: set the pool:" in run.stderr
    assert [line for line in lines if line.startswith("may exist: ")] == [
        "may exist: create RDS Proxy orders-proxy (TLS required, IAM auth REQUIRED, SCRAM), "
        "as its undo was interrupted."
    ]
    left = next(line for line in lines if line.startswith("left in place: "))
    assert "create security group orders-proxy-rds-proxy" in left
    assert "create IAM role orders-proxy-rds-proxy" in left
    assert f"`proxyctl destroy {STACK}`" in run.stderr
    monkeypatch.setattr(session, "client", REAL_CLIENT)
    removed = cli("--yes", "destroy", STACK)
    assert removed.exit_code == 0, removed.stderr
    assert stack_leftovers(world["endpoint"], STACK) == []
