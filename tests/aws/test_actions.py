"""Step behaviour moto cannot show: a busy database, unhealthy targets, dropped subnets.

moto registers targets at once and reports every target AVAILABLE, so these use
botocore's Stubber on a real RDS client.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from proxyctl.aws import actions
from proxyctl.errors import ConnectionProblem, ProxyctlError


class FakeClients:
    def __init__(self, rds: Any) -> None:
        self.rds = rds


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def __call__(self) -> float:
        return self.now


def stubbed() -> tuple[Any, Stubber]:
    rds = boto3.Session().client("rds", region_name="us-east-1")
    return rds, Stubber(rds)


def context(clock: Clock, timeout: float = 60) -> actions.RunContext:
    return actions.RunContext(timeout=timeout, poll=5, sleep=clock.sleep, clock=clock)


REGISTER = {"DBProxyName": "p", "TargetGroupName": "default", "DBClusterIdentifiers": ["db"]}


def test_register_retries_while_the_cluster_is_busy() -> None:
    rds, stub = stubbed()
    for _ in range(2):
        stub.add_client_error("register_db_proxy_targets", "InvalidDBClusterStateFault", "creating")
    stub.add_response("register_db_proxy_targets", {"DBProxyTargets": []}, REGISTER)
    clock = Clock()
    with stub:
        _, undo = actions.register_targets(FakeClients(rds), REGISTER, context(clock))  # type: ignore[arg-type]
    assert undo == ("deregister_targets", REGISTER)
    assert clock.slept == [5, 10]  # backoff doubles
    stub.assert_no_pending_responses()


def test_register_gives_up_at_the_deadline() -> None:
    rds, stub = stubbed()
    for _ in range(3):
        stub.add_client_error(
            "register_db_proxy_targets", "InvalidDBInstanceStateFault", "modifying"
        )
    clock = Clock()
    with stub, pytest.raises(ProxyctlError, match="InvalidDBInstanceStateFault"):
        actions.register_targets(FakeClients(rds), REGISTER, context(clock, timeout=12))  # type: ignore[arg-type]


def test_register_does_not_retry_other_faults() -> None:
    rds, stub = stubbed()
    stub.add_client_error("register_db_proxy_targets", "DBProxyTargetAlreadyRegisteredFault", "x")
    clock = Clock()
    with stub, pytest.raises(ProxyctlError, match="DBProxyTargetAlreadyRegisteredFault"):
        actions.register_targets(FakeClients(rds), REGISTER, context(clock))  # type: ignore[arg-type]
    assert clock.slept == []


def _proxy(status: str) -> dict[str, Any]:
    return {"DBProxies": [{"DBProxyName": "p", "Status": status}]}


def _targets(
    state: str, reason: str | None = None, description: str | None = None
) -> dict[str, Any]:
    health: dict[str, Any] = {"State": state}
    if reason:
        health["Reason"] = reason
    if description:
        health["Description"] = description
    return {
        "Targets": [
            {"Type": "TRACKED_CLUSTER", "RdsResourceId": "db"},
            {
                "Type": "RDS_INSTANCE",
                "RdsResourceId": "db-1",
                "Role": "READ_WRITE",
                "TargetHealth": health,
            },
        ]
    }


def _queue(stub: Stubber, *rounds: tuple[str, dict[str, Any]]) -> None:
    for status, targets in rounds:
        stub.add_response("describe_db_proxies", _proxy(status), {"DBProxyName": "p"})
        stub.add_response("describe_db_proxy_targets", targets, {"DBProxyName": "p"})


def test_wait_follows_the_proxy_until_healthy() -> None:
    rds, stub = stubbed()
    _queue(
        stub,
        ("creating", {"Targets": []}),
        ("available", _targets("REGISTERING")),
        ("available", _targets("UNAVAILABLE", "PENDING_PROXY_CAPACITY")),
        ("available", _targets("AVAILABLE")),
    )
    clock, seen = Clock(), []
    ctx = context(clock)
    ctx.report = seen.append
    with stub:
        state = actions.wait_healthy(FakeClients(rds), "p", ctx)  # type: ignore[arg-type]
    assert state == "proxy available; db-1 AVAILABLE"
    assert seen[0] == "waiting 0 s: proxy creating; no targets yet"
    assert seen[-1] == "waiting 15 s: proxy available; db-1 AVAILABLE"


@pytest.mark.parametrize(
    ("reason", "hint"),
    [
        ("AUTH_FAILURE", "the secret's username and password must match"),
        ("UNREACHABLE", "allow TCP 5432 on the database's security group"),
        ("CONNECTION_FAILED", "check both security groups"),
        ("INVALID_REPLICATION_STATE", "replication is not in a usable state"),
    ],
)
def test_an_unavailable_target_stops_the_wait_with_its_hint(reason: str, hint: str) -> None:
    rds, stub = stubbed()
    _queue(
        stub,
        (
            "available",
            _targets("UNAVAILABLE", reason, "Proxy does not have any registered credentials"),
        ),
    )
    with stub, pytest.raises(ConnectionProblem) as caught:
        actions.wait_healthy(FakeClients(rds), "p", context(Clock()))  # type: ignore[arg-type]
    assert (
        f"db-1 is UNAVAILABLE ({reason}): Proxy does not have any registered credentials"
        in caught.value.message
    )
    assert caught.value.hint is not None and hint in caught.value.hint


def test_auth_failure_is_expected_with_a_generated_password() -> None:
    rds, stub = stubbed()
    _queue(stub, ("available", _targets("UNAVAILABLE", "AUTH_FAILURE", "wrong password")))
    ctx = context(Clock())
    ctx.expect_auth_failure = True
    with stub:
        state = actions.wait_healthy(FakeClients(rds), "p", ctx)  # type: ignore[arg-type]
    assert state == "proxy available; db-1 UNAVAILABLE"


def test_wait_times_out_and_says_so() -> None:
    rds, stub = stubbed()
    _queue(stub, *[("creating", {"Targets": []})] * 3)
    with stub, pytest.raises(ConnectionProblem, match="not healthy after 12 s: proxy creating"):
        actions.wait_healthy(FakeClients(rds), "p", context(Clock(), timeout=12))  # type: ignore[arg-type]


def test_a_dropped_subnet_is_reported() -> None:
    rds, stub = stubbed()
    asked = {
        "DBProxyName": "p",
        "EngineFamily": "POSTGRESQL",
        "Auth": [
            {"AuthScheme": "SECRETS", "SecretArn": "arn:aws:secretsmanager:us-east-1:1:secret:s"}
        ],
        "RoleArn": "arn:aws:iam::123456789012:role/r",
        "VpcSubnetIds": ["subnet-aaaaaaaa", "subnet-bbbbbbbb", "subnet-cccccccc"],
    }
    made = {
        "DBProxyName": "p",
        "DBProxyArn": "arn:aws:rds:us-east-1:1:db-proxy:prx-1",
        "Endpoint": "p.x",
        "VpcSubnetIds": ["subnet-aaaaaaaa", "subnet-bbbbbbbb"],
    }
    stub.add_response("create_db_proxy", {"DBProxy": made}, asked)
    ctx = context(Clock())
    with stub:
        outputs, _ = actions.create_proxy(FakeClients(rds), asked, ctx)  # type: ignore[arg-type]
    assert outputs["DBProxyArn"].endswith("prx-1")
    assert ctx.warnings == [
        "AWS left out subnets subnet-cccccccc (an AZ RDS Proxy does not support)."
    ]
