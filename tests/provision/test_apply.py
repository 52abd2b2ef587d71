"""The one plan engine, without AWS: undo newest first, look for what a cut-short call made,
and leave a destroy's deletions done."""

from __future__ import annotations

from typing import Any

import pytest

from proxyctl.errors import AwsRefusedError, ExitCode
from proxyctl.provision.apply import ApplyFailed, Undo, apply
from proxyctl.provision.steps import Plan, Ref, Step


def plan(*actions: str) -> Plan:
    """A step per action, each naming what the one before it made."""
    steps = []
    for before, action in zip(("", *actions), actions, strict=False):
        params = {"after": Ref(before, "id")} if before else {}
        steps.append(Step(action, action, f"make {action}", f"remove {action}", params))
    return Plan("orders", "orders-db", steps, [], [])


class World:
    """Runs steps by name; FAIL names the one that raises ERROR; records the undos."""

    def __init__(self, fail: str = "", error: BaseException | None = None) -> None:
        self.fail, self.error = fail, error or AwsRefusedError("AWS refused: AccessDenied.")
        self.undone: list[str] = []

    def run(self, action: str, params: dict[str, Any]) -> tuple[dict[str, Any], Undo]:
        if action == self.fail:
            raise self.error
        return {"id": f"{action}-1"}, (f"remove_{action}", {"id": f"{action}-1", **params})

    def undo(self, action: str, params: dict[str, Any]) -> None:
        self.undone.append(action)


def test_each_step_gets_what_an_earlier_one_made() -> None:
    world = World()
    journal = apply(plan("role", "group", "proxy"), world.run, world.undo)
    assert journal.created[-1].undo_params == {"id": "proxy-1", "after": "group-1"}
    assert [s.id for s in journal.done] == ["role", "group", "proxy"]


def test_a_failure_undoes_what_was_made_newest_first() -> None:
    world = World(fail="proxy")
    with pytest.raises(ApplyFailed) as caught:
        apply(plan("role", "group", "proxy"), world.run, world.undo)
    assert world.undone == ["remove_group", "remove_role"]
    assert caught.value.exit_code == ExitCode.AWS_REFUSED
    assert caught.value.message == (
        "step 3 of 3 (make proxy) failed: AWS refused: AccessDenied.\n"
        "undone, newest first: make group; make role."
    )
    assert caught.value.to_dict()["type"] == "apply_failed"


def test_a_call_cut_short_is_looked_for_and_undone_first() -> None:
    world = World(fail="proxy", error=KeyboardInterrupt())

    def find(action: str, params: dict[str, Any], made: list[str]) -> Undo | None:
        assert made == ["remove_role", "remove_group"]
        return "remove_proxy", {}

    with pytest.raises(ApplyFailed) as caught:
        apply(plan("role", "group", "proxy"), world.run, world.undo, find_leftover=find)
    assert world.undone == ["remove_proxy", "remove_group", "remove_role"]
    assert caught.value.exit_code == ExitCode.INTERRUPTED


def test_a_look_that_fails_says_what_may_exist() -> None:
    world = World(fail="proxy", error=KeyboardInterrupt())

    def find(action: str, params: dict[str, Any], made: list[str]) -> Undo | None:
        raise AwsRefusedError("AWS refused: throttled.")

    with pytest.raises(ApplyFailed) as caught:
        apply(plan("role", "proxy"), world.run, world.undo, find_leftover=find)
    assert caught.value.cleanup.may_exist == [
        "make proxy, as its call was cut short and looking for it failed: AWS refused: throttled."
    ]
    assert caught.value.hint == "Remove what is left or may exist with `proxyctl destroy orders`."


def test_keep_on_failure_leaves_it_in_place() -> None:
    world = World(fail="proxy")
    with pytest.raises(ApplyFailed) as caught:
        apply(plan("role", "proxy"), world.run, world.undo, keep_on_failure=True)
    assert world.undone == []
    assert caught.value.cleanup.left == ["make role"]


def test_steps_without_an_undo_stay_done() -> None:
    """A destroy: its deletions are never undone; the failure says what is left."""
    deletions = plan("role", "secret")
    for step in deletions.steps:
        step.undo = None
    world = World(fail="secret")
    with pytest.raises(ApplyFailed) as caught:
        apply(deletions, world.run, world.undo)
    assert world.undone == []
    assert caught.value.message.splitlines()[1:] == ["deleted: make role.", "left: make secret."]
    assert caught.value.to_dict()["type"] == "destroy_failed"
