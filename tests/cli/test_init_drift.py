"""A second `init` against a proxy it made: every difference is planned or refused, never
"nothing to do". moto has no ModifyDBProxy, so these stop at the plan (the modify step
itself is tested with botocore's Stubber in tests/aws/test_modify_proxy.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.aws_world import seed_aurora
from tests.conftest import Cli, boto_client

LOOSE = ["--no-require-tls", "--iam-auth", "DISABLED", "--allow-cidr", "10.20.0.0/16"]


@pytest.fixture
def loose_stack(aws: str) -> dict[str, Any]:
    """orders-db and a proxy orders-db-proxy that init made without TLS and without IAM."""
    seed = seed_aurora(aws)
    seed["endpoint"] = aws
    return seed


def _make(cli: Cli, *args: str) -> None:
    run = cli("init", "--yes", *args)
    assert run.exit_code == 0, run.stderr


def test_asking_for_tls_and_iam_plans_the_change(cli: Cli, loose_stack: dict[str, Any]) -> None:
    _make(cli, *LOOSE)
    run = cli("init", "--dry-run", "--allow-cidr", "10.20.0.0/16")
    assert run.exit_code == 0, run.stderr
    assert "nothing to do" not in run.stdout
    assert "    TLS required: no -> yes\n" in run.stdout
    assert "    IAM auth: DISABLED -> REQUIRED\n" in run.stdout
    assert "undo: put the previous settings back" in run.stdout

    doc = cli("--output", "json", "init", "--dry-run", "--allow-cidr", "10.20.0.0/16").json()
    (step,) = doc["steps"]
    assert step["action"] == "modify_proxy"
    assert step["details"] == ["TLS required: no -> yes", "IAM auth: DISABLED -> REQUIRED"]
    assert step["params"]["RequireTLS"] is True
    assert [a["IAMAuth"] for a in step["params"]["Auth"]] == ["REQUIRED"]
    assert "IdleClientTimeout" not in step["params"]


def test_without_yes_the_change_is_refused_and_nothing_changes(
    cli: Cli, loose_stack: dict[str, Any]
) -> None:
    _make(cli, *LOOSE)
    run = cli("init", "--allow-cidr", "10.20.0.0/16")
    assert run.exit_code == 2
    assert "confirm with --yes" in run.stderr
    proxy = boto_client(loose_stack["endpoint"], "rds").describe_db_proxies()["DBProxies"][0]
    assert proxy["RequireTLS"] is False


def test_every_setting_of_the_spec_is_compared(cli: Cli, loose_stack: dict[str, Any]) -> None:
    _make(cli, "--allow-cidr", "10.20.0.0/16")
    client_group = boto_client(loose_stack["endpoint"], "ec2").create_security_group(
        GroupName="other", Description="other", VpcId=loose_stack["vpc"]
    )["GroupId"]
    run = cli(
        "--output", "json", "init", "--dry-run", "--yes",
        "--client-password-auth", "md5", "--idle-client-timeout", "600", "--debug-logging",
        "--security-group", client_group, "--max-connections-percent", "60",
    )  # fmt: skip
    assert run.exit_code == 0, run.stderr
    steps = {s["action"]: s for s in run.json()["steps"]}
    proxy_group = boto_client(loose_stack["endpoint"], "rds").describe_db_proxies()["DBProxies"][0][
        "VpcSecurityGroupIds"
    ][0]
    assert steps["modify_proxy"]["details"] == [
        "client password auth: scram -> md5",
        "idle client timeout: 1800 s -> 600 s",
        "debug logging: off -> on",
        f"security groups: {proxy_group} -> {client_group}",
    ]
    assert steps["modify_pool"]["details"] == ["max connections: 100% -> 60%"]


def test_subnets_cannot_change_in_place_so_init_refuses(
    cli: Cli, loose_stack: dict[str, Any]
) -> None:
    _make(cli, "--allow-cidr", "10.20.0.0/16")
    ec2 = boto_client(loose_stack["endpoint"], "ec2")
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [loose_stack["vpc"]]}])
    by_az: dict[str, str] = {}
    for subnet in subnets["Subnets"]:
        by_az.setdefault(subnet["AvailabilityZone"], subnet["SubnetId"])
    others = [s for _, s in sorted(by_az.items())[2:4]]
    args = ["--allow-cidr", "10.20.0.0/16", "--no-require-tls", "--iam-auth", "DISABLED"]
    run = cli("init", "--yes", "--subnet", others[0], "--subnet", others[1], *args)
    assert run.exit_code == 2, run.stderr
    old = ", ".join(sorted(loose_stack["subnets"]))
    assert "init cannot change RDS Proxy orders-db-proxy in place:" in run.stderr
    assert f"  subnets: {old} -> {', '.join(sorted(others))}\n" in run.stderr
    assert "proxyctl destroy orders-db-proxy" in run.stderr
    proxy = boto_client(loose_stack["endpoint"], "rds").describe_db_proxies()["DBProxies"][0]
    assert proxy["RequireTLS"] is True  # nothing was changed, not even what could be


# --- reuse only what carries the stack's tag --------------------------------------------


def test_a_group_with_inits_name_but_not_its_tag_is_refused(
    cli: Cli, loose_stack: dict[str, Any]
) -> None:
    ec2 = boto_client(loose_stack["endpoint"], "ec2")
    group = ec2.create_security_group(
        GroupName="orders-db-proxy-rds-proxy", Description="someone's", VpcId=loose_stack["vpc"]
    )["GroupId"]
    everything = [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=everything)
    run = cli("init", "--yes", "--allow-cidr", "10.20.0.0/16")
    assert run.exit_code == 2, run.stderr
    assert (
        f"--name: a security group orders-db-proxy-rds-proxy ({group}) already exists in "
        f"{loose_stack['vpc']} and proxyctl init did not create it." in run.stderr
    )
    assert f"--security-group {group}" in run.stderr
    perms = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]["IpPermissions"]
    assert [p["IpProtocol"] for p in perms] == ["-1"]  # no rule was added
    assert boto_client(loose_stack["endpoint"], "rds").describe_db_proxies()["DBProxies"] == []


def test_a_secret_with_inits_name_but_not_its_tag_is_refused(
    cli: Cli, loose_stack: dict[str, Any]
) -> None:
    boto_client(loose_stack["endpoint"], "secretsmanager").create_secret(
        Name="proxyctl/orders-db-proxy/app", SecretString='{"username": "app", "password": "x"}'
    )
    args = ["--secret", "new", "--db-user", "app", "--generate-password"]
    run = cli("init", "--yes", "--allow-cidr", "10.20.0.0/16", *args)
    assert run.exit_code == 2, run.stderr
    assert (
        "--db-user: a secret proxyctl/orders-db-proxy/app already exists and proxyctl init did "
        "not create it." in run.stderr
    )
    assert boto_client(loose_stack["endpoint"], "rds").describe_db_proxies()["DBProxies"] == []


def test_client_rules_the_spec_no_longer_lists_are_revoked(
    cli: Cli, loose_stack: dict[str, Any]
) -> None:
    _make(cli, "--allow-cidr", "0.0.0.0/0", "--allow-cidr", "10.20.0.0/16")
    ec2 = boto_client(loose_stack["endpoint"], "ec2")
    group = ec2.describe_security_groups(
        Filters=[{"Name": "group-name", "Values": ["orders-db-proxy-rds-proxy"]}]
    )["SecurityGroups"][0]["GroupId"]
    by_hand = {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432}
    ec2.authorize_security_group_ingress(
        GroupId=group, IpPermissions=[{**by_hand, "IpRanges": [{"CidrIp": "10.99.0.0/16"}]}]
    )
    plan = cli("init", "--dry-run", "--allow-cidr", "10.20.0.0/16")
    assert "revoke 5432 on the proxy's group from 0.0.0.0/0" in plan.stdout
    assert "undo: add those rules back" in plan.stdout
    run = cli("init", "--yes", "--allow-cidr", "10.20.0.0/16")
    assert run.exit_code == 0, run.stderr
    perms = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]["IpPermissions"]
    cidrs = sorted(r["CidrIp"] for p in perms for r in p.get("IpRanges", []))
    assert cidrs == ["10.20.0.0/16", "10.99.0.0/16"]  # a rule added by hand stays


def test_a_failed_run_puts_revoked_client_rules_back(
    cli: Cli, loose_stack: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from proxyctl.aws import actions
    from proxyctl.errors import ConnectionProblem

    _make(cli, "--allow-cidr", "192.0.2.0/24", "--allow-cidr", "10.20.0.0/16")

    def unhealthy(c: Any, name: str, ctx: Any) -> str:
        raise ConnectionProblem("the proxy is not healthy: orders-db-1 is UNAVAILABLE")

    monkeypatch.setattr(actions, "wait_healthy", unhealthy)
    run = cli("init", "--yes", "--allow-cidr", "10.20.0.0/16")
    assert run.exit_code == 5
    assert "undone, newest first: revoke 5432 on the proxy's group from 192.0.2.0/24." in run.stderr
    ec2 = boto_client(loose_stack["endpoint"], "ec2")
    group = ec2.describe_security_groups(
        Filters=[{"Name": "group-name", "Values": ["orders-db-proxy-rds-proxy"]}]
    )["SecurityGroups"][0]
    cidrs = sorted(r["CidrIp"] for p in group["IpPermissions"] for r in p.get("IpRanges", []))
    assert cidrs == ["10.20.0.0/16", "192.0.2.0/24"]
