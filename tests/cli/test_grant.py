"""`proxyctl grant`: the rds-db:connect policy with the proxy's prx- resource id."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

import pytest

from tests.answers import Answers
from tests.aws_world import make_proxy
from tests.conftest import Cli, boto_client

ACCOUNT = "123456789012"  # moto's account
SAMPLE_ARN = "arn:aws:rds:eu-west-1:210987654321:db-proxy:prx-0a1b2c3d4e5f67890"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ecs-tasks.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


@pytest.fixture
def world(aws: str) -> dict[str, Any]:
    proxy = make_proxy(aws, "orders")
    boto_client(aws, "iam").create_role(
        RoleName="orders-api", AssumeRolePolicyDocument=json.dumps(TRUST)
    )
    return {"proxy": proxy, "resource_id": proxy["DBProxyArn"].rsplit(":", 1)[-1]}


def role_policy(endpoint: str, name: str) -> dict[str, Any]:
    document = boto_client(endpoint, "iam").get_role_policy(RoleName="orders-api", PolicyName=name)
    value = document["PolicyDocument"]
    return dict(json.loads(unquote(value)) if isinstance(value, str) else value)


def test_grant_puts_the_exact_connect_arn_on_the_role(
    cli: Cli, aws: str, world: dict[str, Any]
) -> None:
    run = cli("grant", "orders", "--role", "orders-api", "--db-user", "app")
    assert run.exit_code == 0, run.stderr
    resource = f"arn:aws:rds-db:us-east-1:{ACCOUNT}:dbuser:{world['resource_id']}/app"
    policy = role_policy(aws, "proxyctl-connect-orders-app")
    assert policy["Statement"] == [
        {
            "Sid": "ConnectThroughRdsProxy",
            "Effect": "Allow",
            "Action": "rds-db:connect",
            "Resource": [resource],
        }
    ]
    assert run.stdout == (
        "Granted: rds-db:connect through RDS Proxy orders as app\n"
        "  role:     orders-api\n"
        "  policy:   proxyctl-connect-orders-app (inline)\n"
        f"  resource: {resource}\n"
    )


def test_grant_again_changes_nothing_and_says_so(cli: Cli, aws: str, world: dict[str, Any]) -> None:
    args = ["grant", "orders", "--role", "orders-api", "--db-user", "app"]
    assert cli(*args).exit_code == 0
    run = cli("--output", "json", *args)
    assert run.exit_code == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["kind"] == "grant" and doc["change"] == "unchanged"
    assert doc["policy_name"] == "proxyctl-connect-orders-app"
    assert doc["resource"].endswith(f":dbuser:{world['resource_id']}/app")


def test_a_role_arn_works_as_the_role(cli: Cli, aws: str, world: dict[str, Any]) -> None:
    arn = f"arn:aws:iam::{ACCOUNT}:role/orders-api"
    run = cli("grant", "orders", "--role", arn, "--db-user", "reporting")
    assert run.exit_code == 0, run.stderr
    assert role_policy(aws, "proxyctl-connect-orders-reporting")


def test_print_shows_the_policy_and_changes_nothing(
    cli: Cli, aws: str, world: dict[str, Any]
) -> None:
    run = cli("grant", "orders", "--role", "orders-api", "--db-user", "app", "--print")
    assert run.exit_code == 0, run.stderr
    policy = json.loads(run.stdout)
    resource = f"arn:aws:rds-db:us-east-1:{ACCOUNT}:dbuser:{world['resource_id']}/app"
    assert policy["Statement"][0]["Resource"] == [resource]
    iam = boto_client(aws, "iam")
    assert iam.list_role_policies(RoleName="orders-api")["PolicyNames"] == []


def test_print_with_an_arn_needs_no_aws(cli: Cli) -> None:
    run = cli("--output", "json", "grant", SAMPLE_ARN, "--db-user", "app", "--print")
    assert run.exit_code == 0, run.stderr
    doc = json.loads(run.stdout)
    resource = "arn:aws:rds-db:eu-west-1:210987654321:dbuser:prx-0a1b2c3d4e5f67890/app"
    assert doc["resource"] == resource
    assert doc["policy"]["Statement"][0]["Resource"] == [resource]
    assert doc["role"] is None and doc["change"] == "printed"


def test_unknown_proxy_is_not_found_and_lists_the_proxies(
    cli: Cli, aws: str, world: dict[str, Any]
) -> None:
    run = cli("grant", "ordres", "--role", "orders-api", "--db-user", "app")
    assert run.exit_code == 3
    assert run.stderr == (
        "error: NAME: no RDS proxy named 'ordres' in us-east-1.\n"
        "hint: Proxies in us-east-1: orders. Check --region and --profile.\n"
    )


def test_unknown_role_is_not_found_and_changes_nothing(
    cli: Cli, aws: str, world: dict[str, Any]
) -> None:
    run = cli("grant", "orders", "--role", "orders-apy", "--db-user", "app")
    assert run.exit_code == 3
    assert run.stderr.startswith("error: --role: no IAM role 'orders-apy' in this account.\n")


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (
            ["orders", "--role", "orders-api", "--db-user", ""],
            "--db-user: the database user name is empty.",
        ),
        (
            ["orders", "--role", "orders api", "--db-user", "app"],
            "--role: 'orders api' is not an IAM role name.",
        ),
        (
            ["arn:aws:rds:eu-west-1:1:db-proxy:x", "--db-user", "app", "--print"],
            "is not an RDS Proxy ARN.",
        ),
        (["orders", "--role", "orders-api"], "error: --db-user is required.\nhint: Pass --db-user"),
        (["orders", "--db-user", "app"], "error: --role is required.\nhint: Pass --role"),
    ],
)
def test_bad_input_is_a_usage_error(cli: Cli, args: list[str], says: str) -> None:
    run = cli("--no-input", "grant", *args)
    assert run.exit_code == 2
    assert says in run.stderr


@pytest.mark.parametrize("user", ["*", "app*", "a?p", "${aws:username}"])
def test_a_wildcard_user_is_refused(cli: Cli, aws: str, world: dict[str, Any], user: str) -> None:
    run = cli("grant", "orders", "--role", "orders-api", "--db-user", user)
    assert run.exit_code == 2
    assert f"--db-user: {user!r} holds an IAM wildcard or policy variable" in run.stderr
    assert boto_client(aws, "iam").list_role_policies(RoleName="orders-api")["PolicyNames"] == []


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:iam::210987654321:role/orders-api",  # another account
        f"arn:aws:iam::{ACCOUNT}:role/team/orders-api",  # another path
    ],
)
def test_a_role_arn_that_is_not_the_role_found_is_refused(
    cli: Cli, aws: str, world: dict[str, Any], arn: str
) -> None:
    run = cli("grant", "orders", "--role", arn, "--db-user", "app")
    assert run.exit_code == 2, run.stderr
    assert run.stderr.startswith(
        f"error: --role: {arn} is not the role IAM finds by that name: the role orders-api of "
        f"this account is arn:aws:iam::{ACCOUNT}:role/orders-api.\n"
    )
    assert boto_client(aws, "iam").list_role_policies(RoleName="orders-api")["PolicyNames"] == []


def test_what_is_not_given_is_asked(
    cli: Cli, aws: str, world: dict[str, Any], answers: Callable[..., Answers]
) -> None:
    asker = answers({"--db-user": "app", "--role": "orders-api"})
    run = cli("grant", "orders")
    assert run.exit_code == 0, run.stderr
    assert asker.flags == ["--db-user", "--role"]
    names = boto_client(aws, "iam").list_role_policies(RoleName="orders-api")["PolicyNames"]
    assert names == ["proxyctl-connect-orders-app"]
