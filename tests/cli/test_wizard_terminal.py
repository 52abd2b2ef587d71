"""The init wizard on a real terminal against moto: every path, Enter and typed answers.

Each run ends in a --dry-run plan (fast, changes nothing), except the typed
password, which is asked only once the plan is confirmed.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.aws_world import seed_aurora
from tests.cli.terminal import CLEAR_LINE, DOWN, ENTER, Terminal
from tests.conftest import boto_client

DATABASE_Q = "Database to put the proxy in front of:"
NAME_Q = "Proxy name:"
SECRET_Q = "Secret with the database user's password:"
IAM_Q = "IAM authentication:"
NETWORK_Q = "Who may connect to the proxy on 5432?"
POOL_Q = "Change the connection pool settings"
DRY_RUN = ["init", "--dry-run"]


@pytest.fixture
def world(aws: str) -> dict[str, Any]:
    """Two clusters: billing-db (listed first, RDS-managed secret) and orders-db (none)."""
    billing = seed_aurora(aws, name="billing-db")
    seed_aurora(aws, name="orders-db", managed_secret=False)
    ec2 = boto_client(aws, "ec2")
    clients = ec2.create_security_group(
        GroupName="app-clients", Description="app", VpcId=billing["vpc"]
    )["GroupId"]
    vpc = ec2.describe_vpcs(VpcIds=[billing["vpc"]])["Vpcs"][0]
    secret = boto_client(aws, "secretsmanager").create_secret(
        Name="orders-app", SecretString=json.dumps({"username": "app", "password": "pw"})
    )
    return {
        "endpoint": aws,
        "clients": clients,
        "vpc_cidr": vpc["CidrBlock"],
        "secret_arn": secret["ARN"],
    }


def enter_through(term: Terminal, *questions: str) -> None:
    for question in questions:
        term.answer(question, ENTER)


def test_several_databases_enter_at_every_question(world: dict[str, Any]) -> None:
    with Terminal(DRY_RUN) as term:
        enter_through(term, DATABASE_Q, NAME_Q, SECRET_Q, IAM_Q, NETWORK_Q)
        term.answer(POOL_Q, ENTER)
        code = term.finish()
        screen = term.screen
    assert code == 0, screen
    assert "Plan for RDS Proxy billing-db-proxy in front of billing-db (Aurora cluster" in screen
    assert "reuse: RDS-managed secret arn:aws:secretsmanager:" in screen
    assert f"allow 5432 on the proxy's group from {world['vpc_cidr']}" in screen
    assert "Invalid" not in screen and "Traceback" not in screen


def test_several_databases_arrow_down_picks_the_second(world: dict[str, Any]) -> None:
    """orders-db has no RDS-managed secret: the secret question has no default to crash on."""
    with Terminal(DRY_RUN) as term:
        term.answer(DATABASE_Q, DOWN + ENTER)
        term.answer(NAME_Q, ENTER)
        term.answer(SECRET_Q, DOWN + ENTER)  # an existing secret -> a new secret
        term.type_over("Database user the proxy logs in as:", "app")
        term.answer("Its password:", ENTER)
        enter_through(term, IAM_Q, NETWORK_Q, POOL_Q)
        code = term.finish()
        screen = term.screen
    assert code == 0, screen
    assert "Plan for RDS Proxy orders-db-proxy in front of orders-db (Aurora cluster" in screen
    assert "create secret proxyctl/orders-db-proxy/app for database user app" in screen


def test_existing_secret_typed_arn(world: dict[str, Any]) -> None:
    with Terminal([*DRY_RUN, "--db-cluster", "billing-db"]) as term:
        term.answer(NAME_Q, ENTER)
        term.answer(SECRET_Q, DOWN + ENTER)  # managed -> existing
        term.answer("Secret ARN:", "not-an-arn" + ENTER)
        term.expect("'not-an-arn' is not a Secrets Manager secret ARN")
        term.type_over("", world["secret_arn"])
        enter_through(term, IAM_Q, NETWORK_Q, POOL_Q)
        code = term.finish()
        screen = term.screen
    assert code == 0, screen
    assert f"reuse: secret {world['secret_arn']}" in screen


def test_new_secret_and_db_user_flags_ask_for_the_password_source(world: dict[str, Any]) -> None:
    args = [*DRY_RUN, "--db-cluster", "billing-db", "--secret", "new", "--db-user", "app"]
    with Terminal(args) as term:
        term.answer(NAME_Q, ENTER)
        term.answer("Its password:", DOWN + ENTER)  # generate one
        enter_through(term, IAM_Q, NETWORK_Q, POOL_Q)
        code = term.finish()
        screen = term.screen
    assert code == 0, screen
    assert "create secret proxyctl/billing-db-proxy/app for database user app" in screen


def test_new_secret_with_a_typed_password_is_applied(world: dict[str, Any]) -> None:
    password = "typed-Pa55word-9"
    args = ["init", "--db-cluster", "billing-db", "--no-wait"]
    with Terminal(args) as term:
        term.answer(NAME_Q, ENTER)
        term.answer(SECRET_Q, DOWN + DOWN + ENTER)  # managed -> existing -> new
        term.type_over("Database user the proxy logs in as:", "reporting")
        term.answer("Its password:", ENTER)  # type it (hidden)
        enter_through(term, IAM_Q, NETWORK_Q, POOL_Q)
        term.answer("Apply this plan?", "y")
        term.answer("Password of reporting (hidden):", password + ENTER)
        term.answer("Repeat it:", "typo" + ENTER)
        term.expect("The two passwords differ: type it again.")
        term.answer("Password of reporting (hidden):", password + ENTER, times=2)
        term.answer("Repeat it:", password + ENTER, times=2)
        code = term.finish()
        screen, raw = term.screen, term.raw
    assert code == 0, screen
    assert "RDS Proxy billing-db-proxy is ready in front of billing-db" in screen
    assert password.encode() not in raw  # hidden as typed, and never printed
    value = boto_client(world["endpoint"], "secretsmanager").get_secret_value(
        SecretId="proxyctl/billing-db-proxy/reporting"
    )
    assert json.loads(value["SecretString"])["password"] == password


NETWORK = [
    ("vpc", "", None, None, "allow 5432 on the proxy's group from {vpc_cidr}"),
    (
        "cidr",
        DOWN,
        "Networks that may connect (CIDRs, comma-separated):",
        "10.1.0.0/16, 10.2.0.0/16",
        "allow 5432 on the proxy's group from 10.1.0.0/16, 10.2.0.0/16",
    ),
    (
        "sg",
        DOWN * 2,
        "Client security groups (sg-..., comma-separated):",
        "{clients}",
        "allow 5432 on the proxy's group from {clients}",
    ),
    (
        "own",
        DOWN * 3,
        "Security groups for the proxy (sg-..., comma-separated):",
        "{clients}",
        "reuse: security group {clients}",
    ),
]


@pytest.mark.parametrize(
    ("choice", "keys", "question", "typed", "says"), NETWORK, ids=[n[0] for n in NETWORK]
)
def test_each_network_choice(
    world: dict[str, Any],
    choice: str,
    keys: str,
    question: str | None,
    typed: str | None,
    says: str,
) -> None:
    with Terminal([*DRY_RUN, "--db-cluster", "billing-db"]) as term:
        enter_through(term, NAME_Q, SECRET_Q, IAM_Q)
        term.answer(NETWORK_Q, keys + ENTER)
        if question is not None and typed is not None:
            term.type_over(question, "sg-nope")  # a bad answer is refused inline...
            term.expect("'sg-nope' is not")
            term.type_over("", typed.format(**world))  # ...and the question stays
        term.answer(POOL_Q, ENTER)
        code = term.finish()
        screen = term.screen
    assert code == 0, screen
    assert says.format(**world) in screen
    if choice == "own":
        assert "create security group" not in screen


def test_pool_answers_out_of_range_are_refused_inline(world: dict[str, Any]) -> None:
    with Terminal([*DRY_RUN, "--db-cluster", "billing-db"]) as term:
        enter_through(term, NAME_Q, SECRET_Q, IAM_Q, NETWORK_Q)
        term.answer(POOL_Q, "y")
        term.type_over("max-connections-percent (1-100):", "101")
        term.expect("--max-connections-percent: 101 is out of range: use 1 to 100.")
        term.answer("", CLEAR_LINE + "-5" + ENTER)
        term.expect("--max-connections-percent: -5 is out of range: use 1 to 100.")
        term.answer("", CLEAR_LINE + "80" + ENTER)
        term.type_over("max-idle-connections-percent (0-80):", "90")
        term.expect("--max-idle-connections-percent: 90 is out of range: use 0 to 80.")
        term.answer("", CLEAR_LINE + "40" + ENTER)
        term.type_over("connection-borrow-timeout (0-300):", "soon")
        term.expect("--connection-borrow-timeout: 'soon' is not a whole number (0 to 300).")
        term.answer("", CLEAR_LINE + "301" + ENTER)
        term.expect("--connection-borrow-timeout: 301 is out of range: use 0 to 300.")
        term.answer("", CLEAR_LINE + "30" + ENTER)
        code = term.finish()
        screen = term.screen
    assert code == 0, screen
    assert "max connections 80%, max idle 40%, borrow timeout 30 s" in screen
    # every earlier answer was kept: the name, the managed secret, the VPC's network
    assert "Plan for RDS Proxy billing-db-proxy in front of billing-db" in screen
    assert "reuse: RDS-managed secret" in screen
