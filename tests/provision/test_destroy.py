"""plan_destroy, and apply running it: what is deleted, in which order, and what is never
touched."""

from __future__ import annotations

from typing import Any

import pytest

from proxyctl.errors import AwsRefusedError, ExitCode, NotFoundError, UsageError
from proxyctl.model.iam import Role, Secret
from proxyctl.model.network import GroupRules, Rule
from proxyctl.model.proxy import AuthEntry, Proxy, TargetHealth
from proxyctl.model.tags import STACK_TAG
from proxyctl.output import document, jsonable
from proxyctl.provision.apply import ApplyFailed, apply
from proxyctl.provision.destroy import (
    StackFound,
    plan_destroy,
    rule_note,
)

ACCOUNT = "123456789012"
PROXY_ARN = f"arn:aws:rds:eu-west-1:{ACCOUNT}:db-proxy:prx-0123456789abcdef0"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/orders-rds-proxy"
SECRET_ARN = f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:proxyctl/orders/app-AbC123"
MANAGED_ARN = f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:rds!cluster-5f0c-XyZ789"
PROXY_GROUP, DB_GROUP, APP_GROUP = (
    "sg-0aaaaaaaaaaaaaaa1",
    "sg-0dddddddddddddd01",
    "sg-0eeeeeeeeeeee0001",
)


def tagged(stack: str | None) -> dict[str, str]:
    return {STACK_TAG: stack} if stack else {}


def proxy(
    stack: str | None = "orders", secret_arns: tuple[str, ...] = (SECRET_ARN,), **changes: Any
) -> Proxy:
    fields: dict[str, Any] = {
        "name": "orders",
        "arn": PROXY_ARN,
        "status": "available",
        "tags": tagged(stack),
        "role_arn": ROLE_ARN,
        "auth": tuple(AuthEntry(arn) for arn in secret_arns),
        "security_groups": (PROXY_GROUP,),
        **changes,
    }
    return Proxy(**fields)


def group(id: str, name: str, stack: str | None) -> GroupRules:
    return GroupRules(id, name, tags=tagged(stack))


def letting_in(*rules: Rule) -> list[GroupRules]:
    """The groups that hold RULES, as the reader returns them."""
    ids = dict.fromkeys(r.group_id for r in rules)
    return [GroupRules(g, rules=tuple(r for r in rules if r.group_id == g)) for g in ids]


def role(
    name: str,
    arn: str,
    stack: str | None,
    inline: tuple[str, ...] = (),
    attached: tuple[str, ...] = (),
) -> Role:
    return Role(name, arn, tags=tagged(stack), inline_names=inline, attached=attached)


def secret(arn: str, name: str, stack: str | None, **changes: Any) -> Secret:
    return Secret(arn, name, tags=tagged(stack), **changes)


CLUSTER = TargetHealth("orders-db", type="TRACKED_CLUSTER", cluster="orders-db", reported=False)


def full_stack(**changes: Any) -> StackFound:
    fields: dict[str, Any] = {
        "name": "orders",
        "region": "eu-west-1",
        "proxy": proxy(),
        "targets": [CLUSTER],
        "groups": [group(PROXY_GROUP, "orders-rds-proxy", "orders")],
        "letting_in": letting_in(
            Rule(DB_GROUP, "tcp", 5432, 5432, PROXY_GROUP, description=rule_note("orders")),
            Rule(PROXY_GROUP, "tcp", 5432, 5432, PROXY_GROUP),  # goes with the group
        ),
        "roles": [role("orders-rds-proxy", ROLE_ARN, "orders", ("proxyctl-secrets",))],
        "secrets": [secret(SECRET_ARN, "proxyctl/orders/app", "orders")],
        **changes,
    }
    return StackFound(**fields)


def actions(plan: Any) -> list[str]:
    return [step.action for step in plan.steps]


def test_a_full_stack_is_deleted_newest_first() -> None:
    plan = plan_destroy(full_stack())
    assert actions(plan) == [
        "deregister_targets",
        "delete_proxy",
        "revoke_ingress",
        "delete_security_group",
        "delete_role_policy",
        "delete_role",
        "delete_secret",
    ]
    by_action = {step.action: step.params for step in plan.steps}
    assert by_action["deregister_targets"] == {
        "DBProxyName": "orders",
        "TargetGroupName": "default",
        "DBClusterIdentifiers": ["orders-db"],
    }
    assert by_action["revoke_ingress"]["GroupId"] == DB_GROUP
    perm = by_action["revoke_ingress"]["IpPermissions"][0]
    assert perm["FromPort"] == perm["ToPort"] == 5432
    assert perm["UserIdGroupPairs"][0]["GroupId"] == PROXY_GROUP
    assert by_action["delete_secret"] == {"SecretId": SECRET_ARN, "RecoveryWindowInDays": 30}
    assert plan.kept == ["database orders-db: never touched"]


def test_force_delete_secret_skips_the_recovery_window() -> None:
    plan = plan_destroy(full_stack(), force_delete_secret=True)
    assert plan.steps[-1].params == {"SecretId": SECRET_ARN, "ForceDeleteWithoutRecovery": True}
    assert "at once" in plan.steps[-1].summary


def test_what_init_did_not_create_is_kept() -> None:
    found = full_stack(
        proxy=proxy(role_arn=f"arn:aws:iam::{ACCOUNT}:role/shared", secret_arns=(MANAGED_ARN,)),
        roles=[role("shared", f"arn:aws:iam::{ACCOUNT}:role/shared", None, ("mine",))],
        secrets=[secret(MANAGED_ARN, "rds!cluster-5f0c", None, owner="rds")],
    )
    plan = plan_destroy(found)
    assert "delete_role" not in actions(plan) and "delete_role_policy" not in actions(plan)
    assert "delete_secret" not in actions(plan)
    assert "IAM role shared: not created by proxyctl" in plan.kept
    assert "RDS-managed secret rds!cluster-5f0c: not created by proxyctl" in plan.kept


def test_a_role_of_another_stack_is_kept() -> None:
    other = role("orders-rds-proxy", ROLE_ARN, "orders-2", ("proxyctl-secrets",))
    plan = plan_destroy(full_stack(roles=[other]))
    assert "delete_role" not in actions(plan)


def test_existing_groups_are_kept_and_only_inits_rules_on_the_database_revoked() -> None:
    found = full_stack(
        proxy=proxy(security_groups=(APP_GROUP,)),
        groups=[group(APP_GROUP, "app", None)],
        letting_in=letting_in(
            Rule(DB_GROUP, "tcp", 5432, 5432, APP_GROUP, description=rule_note("orders")),
            Rule(DB_GROUP, "tcp", 6379, 6379, APP_GROUP, description="redis, someone else's"),
        ),
    )
    plan = plan_destroy(found)
    revokes = [s for s in plan.steps if s.action == "revoke_ingress"]
    assert [s.params["IpPermissions"][0]["FromPort"] for s in revokes] == [5432]
    assert "delete_security_group" not in actions(plan)
    assert f"security group {APP_GROUP}: not created by proxyctl" in plan.kept


def test_managed_policies_are_detached_before_the_role_goes() -> None:
    arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
    made = role("orders-rds-proxy", ROLE_ARN, "orders", ("proxyctl-secrets",), (arn,))
    plan = plan_destroy(full_stack(roles=[made]))
    tail = actions(plan)[-4:]
    assert tail == ["detach_role_policy", "delete_role_policy", "delete_role", "delete_secret"]


def test_a_proxy_init_did_not_create_is_refused() -> None:
    with pytest.raises(UsageError) as caught:
        plan_destroy(full_stack(proxy=proxy(stack=None)))
    assert caught.value.message == (
        "NAME: the RDS proxy 'orders' was not created by proxyctl (it has no "
        "proxyctl:stack=orders tag): refusing to delete it."
    )


def test_nothing_found_is_not_found() -> None:
    with pytest.raises(NotFoundError) as caught:
        plan_destroy(StackFound("orders", "eu-west-1", None))
    assert caught.value.exit_code == ExitCode.NOT_FOUND
    assert "nothing of the stack 'orders' exists in eu-west-1" in caught.value.message


def test_a_half_made_stack_without_a_proxy_is_still_cleaned_up() -> None:
    plan = plan_destroy(full_stack(proxy=None))
    assert actions(plan)[0] == "revoke_ingress"


def test_a_proxy_being_deleted_is_waited_for_not_deleted_again() -> None:
    plan = plan_destroy(full_stack(proxy=proxy(status="deleting")))
    assert actions(plan)[0] == "delete_proxy"
    assert plan.steps[0].params["AlreadyDeleting"] is True


def test_a_scheduled_secret_is_deleted_only_with_force() -> None:
    scheduled = secret(SECRET_ARN, "proxyctl/orders/app", "orders", scheduled_deletion=True)
    assert "delete_secret" not in actions(plan_destroy(full_stack(secrets=[scheduled])))
    assert "delete_secret" in actions(plan_destroy(full_stack(secrets=[scheduled]), True))


def test_apply_stops_at_the_first_failure_and_says_what_is_left() -> None:
    plan = plan_destroy(full_stack())
    ran: list[str] = []

    def run(action: str, params: dict[str, Any]) -> tuple[dict[str, Any], None]:
        if action == "delete_role":
            raise AwsRefusedError("AWS refused to delete the IAM role: AccessDenied.")
        ran.append(action)
        return {}, None

    with pytest.raises(ApplyFailed) as caught:
        apply(plan, run)
    error = caught.value
    assert ran == actions(plan)[:5]
    assert error.exit_code == ExitCode.AWS_REFUSED
    assert error.message.splitlines()[0] == (
        "step 6 of 7 (delete IAM role orders-rds-proxy) failed: "
        "AWS refused to delete the IAM role: AccessDenied."
    )
    assert [s.action for s in error.left] == ["delete_role", "delete_secret"]
    assert error.message.splitlines()[1].startswith("deleted: deregister orders-db from")
    body = error.to_dict()
    assert body["type"] == "destroy_failed"
    assert [s["action"] for s in body["deleted"]] == actions(plan)[:5]  # type: ignore[union-attr,index]
    assert [s["action"] for s in body["left"]] == ["delete_role", "delete_secret"]  # type: ignore[union-attr,index]
    assert "params" not in document("error", {"error": body})


def test_apply_reports_an_interrupted_deletion_as_130() -> None:
    def run(action: str, params: dict[str, Any]) -> tuple[dict[str, Any], None]:
        raise KeyboardInterrupt

    with pytest.raises(ApplyFailed) as caught:
        apply(plan_destroy(full_stack()), run)
    assert caught.value.exit_code == ExitCode.INTERRUPTED
    assert "was interrupted" in caught.value.message


def test_the_plan_as_json_has_no_aws_parameters() -> None:
    body = jsonable(plan_destroy(full_stack()))
    assert set(body["steps"][0]) == {"action", "resource", "summary"}
