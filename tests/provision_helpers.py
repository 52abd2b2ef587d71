"""Builds a stack the way `proxyctl init` does, by running the init flow with answers."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from proxyctl.aws.clients import Clients
from proxyctl.config import Settings
from proxyctl.provision import init
from tests.answers import NoProgress, scripted_app
from tests.aws_world import seed_aurora
from tests.conftest import REGION, boto_client

STACK_PASSWORD = "stack-password-never-printed-7q"


@cache
def clients(endpoint: str) -> Clients:
    """One set of clients per server: making them costs ~0.2 s each (service models)."""
    return Clients(Settings(region=REGION, endpoint_url=endpoint))


@dataclass
class Stack:
    result: init.InitResult
    proxy_group: str  # the security group init made for the proxy
    secret_arn: str | None  # the secret init made, if it made one


def make_stack(endpoint: str, name: str = "orders", **answers: Any) -> Stack:
    """Create the stack NAME for the database `orders-db` (see aws_world.seed_aurora).

    ANSWERS are init's answers by Spec field; the default is a new secret for user `app`,
    a created role and a created security group that lets 10.0.0.0/16 in.
    """
    flags: dict[str, Any] = {
        "name": name,
        "db_cluster": answers.pop("database", "orders-db"),
        "secret": "new",
        "db_user": "app",
        "password_source": "prompt",
        "allow_cidr": ["10.0.0.0/16"],
        **answers,
    }
    settings = Settings(region=REGION, endpoint_url=endpoint, yes=True)
    app = scripted_app(settings, {"--password-stdin": STACK_PASSWORD}, _clients=clients(endpoint))
    made = init.run(app, flags, init.InitOptions(wait=False), NoProgress())
    assert isinstance(made, init.InitResult)
    proxy = boto_client(endpoint, "rds").describe_db_proxies(DBProxyName=name)["DBProxies"][0]
    secrets = boto_client(endpoint, "secretsmanager").list_secrets()["SecretList"]
    mine = [s["ARN"] for s in secrets if s["Name"].startswith(f"proxyctl/{name}/")]
    return Stack(made, proxy["VpcSecurityGroupIds"][0], mine[0] if mine else None)


def seed_stack(endpoint: str, name: str = "orders") -> Stack:
    """The sample database (aws_world.seed_aurora) and a full stack NAME in front of it."""
    seed_aurora(endpoint)
    return make_stack(endpoint, name)
