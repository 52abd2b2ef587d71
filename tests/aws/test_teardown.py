"""Deleting the proxy's security group while AWS still holds it.

moto has no DependencyViolation on security-group delete (FACTS.md), so these
tests answer with botocore's Stubber.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from proxyctl.aws.actions import RunContext, run
from proxyctl.aws.clients import Clients
from proxyctl.config import Settings
from proxyctl.errors import AwsRefusedError
from tests.conftest import REGION

GROUP = "sg-0aaaaaaaaaaaaaaa1"


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def stubbed() -> Iterator[tuple[Clients, Stubber]]:
    c = Clients(Settings(region=REGION))
    ec2 = boto3.client("ec2", region_name=REGION)
    c.__dict__["ec2"] = ec2  # the cached_property's slot
    with Stubber(ec2) as stub:
        yield c, stub
        stub.assert_no_pending_responses()


def context(clock: FakeClock, timeout: float, reports: list[str]) -> Any:
    return RunContext(
        timeout=timeout, poll=5.0, clock=clock, sleep=clock.sleep, report=reports.append
    )


def busy(stub: Stubber) -> None:
    stub.add_client_error(
        "delete_security_group",
        service_error_code="DependencyViolation",
        service_message=f"resource {GROUP} has a dependent object",
    )


def test_a_group_still_in_use_is_retried_until_it_goes(stubbed: tuple[Clients, Stubber]) -> None:
    c, stub = stubbed
    busy(stub)
    busy(stub)
    stub.add_response("delete_security_group", {}, {"GroupId": GROUP})
    clock, reports = FakeClock(), []
    run(c, "delete_security_group", {"GroupId": GROUP}, context(clock, 900, reports))
    assert clock.slept == [5.0, 10.0]
    assert reports == [
        f"{GROUP} is still in use (DependencyViolation); retrying in 5 s",
        f"{GROUP} is still in use (DependencyViolation); retrying in 10 s",
    ]


def test_a_group_in_use_past_the_timeout_fails_naming_it(
    stubbed: tuple[Clients, Stubber],
) -> None:
    c, stub = stubbed
    busy(stub)
    busy(stub)
    clock: FakeClock = FakeClock()
    with pytest.raises(AwsRefusedError) as caught:
        run(c, "delete_security_group", {"GroupId": GROUP}, context(clock, 12, []))
    assert caught.value.message.startswith(
        f"AWS refused to delete the security group {GROUP}: DependencyViolation"
    )
    assert caught.value.hint is not None
    assert (
        f"describe-network-interfaces --filters Name=group-id,Values={GROUP}" in caught.value.hint
    )


def test_init_rollback_retries_a_group_in_use_as_destroy_does(
    stubbed: tuple[Clients, Stubber],
) -> None:
    """init's undo of its own group meets the same lingering interfaces as destroy."""
    from proxyctl.aws import actions
    from proxyctl.provision.apply import Created, Journal, roll_back

    c, stub = stubbed
    busy(stub)
    stub.add_response("delete_security_group", {}, {"GroupId": GROUP})
    clock, reports = FakeClock(), []
    ctx = context(clock, 900, reports)
    journal = Journal(
        created=[
            Created(
                "proxy-group",
                "create security group orders-proxy-rds-proxy",
                "delete_security_group",
                {"GroupId": GROUP},
            )
        ]
    )
    outcome = roll_back(journal, lambda action, p: actions.undo(c, action, p, ctx), keep=False)
    assert outcome.undone == ["create security group orders-proxy-rds-proxy"]
    assert outcome.left == [] and outcome.may_exist == []
    assert reports == [f"{GROUP} is still in use (DependencyViolation); retrying in 5 s"]
