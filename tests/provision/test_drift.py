"""What init plans, or refuses, for a proxy it made that differs from the spec (pure)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from proxyctl.errors import UsageError
from proxyctl.model.iam import Role, trust_policy
from proxyctl.model.network import Rule, Subnet
from proxyctl.model.proxy import AuthEntry, Proxy
from proxyctl.model.tags import STACK_TAG
from proxyctl.provision.model import Discovery
from proxyctl.provision.plan import build_plan
from proxyctl.provision.spec import Spec
from tests.provision.test_terraform import MANAGED, MANAGED_KEY, MANAGED_SECRET, aurora

ROLE = "arn:aws:iam::123456789012:role/orders-proxy-rds-proxy"
GROUP = "sg-0c11c11c11c11c11c"


def entry(item: dict[str, str]) -> AuthEntry:
    """An Auth entry as DescribeDBProxies gives it."""
    return AuthEntry(
        secret_arn=item.get("SecretArn"), iam_auth=item.get("IAMAuth", "DISABLED"),
        scheme=item.get("AuthScheme", "SECRETS"),
        client_password_auth=item.get("ClientPasswordAuthType"),
        description=item.get("Description"),
    )  # fmt: skip


def made_by_init(**changes: object) -> Proxy:
    db = aurora()
    if "auth" in changes:
        changes["auth"] = tuple(entry(a) for a in changes["auth"])  # type: ignore[attr-defined]
    proxy = Proxy(
        name="orders-proxy",
        arn="arn:aws:rds:eu-west-1:123456789012:db-proxy:prx-0123456789abcdef0",
        endpoint="orders-proxy.proxy-abc.eu-west-1.rds.amazonaws.com",
        status="available",
        tags={STACK_TAG: "orders-proxy"},
        subnets=tuple(s.id for s in db.subnets),
        security_groups=(GROUP,),
        require_tls=True,
        idle_client_timeout=1800,
        debug_logging=False,
        auth=(entry({"Description": "proxyctl orders-proxy", "AuthScheme": "SECRETS",
               "SecretArn": MANAGED_SECRET, "IAMAuth": "REQUIRED",
               "ClientPasswordAuthType": "POSTGRES_SCRAM_SHA_256"}),),
        role_arn=ROLE,
        engine_family="POSTGRESQL",
        vpc_id=db.vpc_id,
    )  # fmt: skip
    return replace(proxy, **changes)  # type: ignore[arg-type]


def found(proxy: Proxy, subnets: list[Subnet] | None = None) -> Discovery:
    db = aurora()
    role = Role("orders-proxy-rds-proxy", ROLE, trust_policy(), {STACK_TAG: "orders-proxy"})
    rules = [Rule(g, "tcp", db.port, db.port, source_group=GROUP) for g in db.security_groups]
    pool = {
        "MaxConnectionsPercent": 100,
        "MaxIdleConnectionsPercent": 50,
        "ConnectionBorrowTimeout": 120,
    }
    return Discovery(
        region="eu-west-1", account="123456789012", partition="aws", database=db,
        secret=MANAGED, secret_key=MANAGED_KEY, role=role, proxy_group=GROUP, rules=rules,
        proxy=proxy, proxy_pool=pool, proxy_targets=["orders"],
        subnets=subnets if subnets is not None else list(db.subnets),
        proxy_group_stack="orders-proxy",
    )  # fmt: skip


SPEC = Spec(name="orders-proxy", database="orders", security_groups=[GROUP]).check()


def test_a_proxy_as_the_spec_says_plans_nothing() -> None:
    plan = build_plan(SPEC, found(made_by_init()))
    assert [s.action for s in plan.steps if s.action != "put_role_policy"] == []


def test_fewer_subnets_than_asked_is_what_aws_does_not_a_difference() -> None:
    one = aurora().subnets[:1]
    plan = build_plan(SPEC, found(made_by_init(subnets=[s.id for s in one])))
    assert "modify_proxy" not in [s.action for s in plan.steps]


@pytest.mark.parametrize(
    ("changes", "line", "field"),
    [
        (
            {"vpc_id": "vpc-0999"},
            "VPC: vpc-0999 -> vpc-0a1b2c3d4e5f60718",
            "--db-cluster/--db-instance",
        ),
        (
            {"engine_family": "MYSQL"},
            "engine family: MYSQL -> POSTGRESQL",
            "--db-cluster/--db-instance",
        ),
        (
            {"subnets": ["subnet-0aa1aa1aa1aa1aa11", "subnet-0ff"]},
            "subnets: subnet-0aa1aa1aa1aa1aa11, subnet-0ff -> "
            "subnet-0aa1aa1aa1aa1aa11, subnet-0bb2bb2bb2bb2bb22",
            "--subnet",
        ),
    ],
)
def test_what_modify_cannot_change_is_refused(
    changes: dict[str, object], line: str, field: str
) -> None:
    with pytest.raises(UsageError) as caught:
        build_plan(SPEC, found(made_by_init(**changes)))
    assert f"\n  {line}" in caught.value.message
    assert caught.value.field == field
    assert "proxyctl destroy orders-proxy" in (caught.value.hint or "")


def test_the_modify_step_keeps_other_auth_entries_and_names_every_change() -> None:
    other = {"Description": "reporting", "AuthScheme": "SECRETS", "SecretArn": "arn:x",
             "IAMAuth": "DISABLED"}  # fmt: skip
    proxy = made_by_init(
        auth=[other, {**made_by_init().auth[0].as_api(), "IAMAuth": "DISABLED"}],
        role_arn="arn:aws:iam::123456789012:role/elsewhere",
    )
    (step,) = [s for s in build_plan(SPEC, found(proxy)).steps if s.action == "modify_proxy"]
    assert step.details == [
        "IAM auth: DISABLED -> REQUIRED",
        f"role: arn:aws:iam::123456789012:role/elsewhere -> {ROLE}",
    ]
    assert step.params["Auth"][0] == other
    assert step.params["Auth"][1]["IAMAuth"] == "REQUIRED"
    assert step.params["RoleArn"] == ROLE
    assert set(step.params) == {"DBProxyName", "Auth", "RoleArn"}
