"""Builds a stack the way `proxyctl init` does, by driving the provisioning core."""

from __future__ import annotations

from functools import cache
from typing import Any

from proxyctl.aws import actions
from proxyctl.aws import databases as discovery
from proxyctl.aws.clients import Clients
from proxyctl.config import Settings
from proxyctl.provision.apply import Journal, apply
from proxyctl.provision.discover import discover
from proxyctl.provision.plan import build_plan
from proxyctl.provision.spec import Spec
from tests.aws_world import seed_aurora
from tests.conftest import REGION

STACK_PASSWORD = "stack-password-never-printed-7q"


@cache
def clients(endpoint: str) -> Clients:
    """One set of clients per server: making them costs ~0.2 s each (service models)."""
    return Clients(Settings(region=REGION, endpoint_url=endpoint))


def make_stack(endpoint: str, name: str = "orders", **answers: Any) -> Journal:
    """Create the stack NAME for the database `orders-db` (see aws_world.seed_aurora).

    ANSWERS are Spec fields; the default is a new secret for user `app`, a created
    role and a created security group that lets 10.0.0.0/16 in.
    """
    fields: dict[str, Any] = {
        "secret": "new",
        "db_user": "app",
        "allow_cidr": ["10.0.0.0/16"],
        **answers,
    }
    spec = Spec(name=name, database=fields.pop("database", "orders-db"), **fields).check()
    c = clients(endpoint)
    found = discover(c, spec, discovery.list_databases(c))
    plan = build_plan(spec, found)
    ctx = actions.RunContext(password=STACK_PASSWORD, poll=0.01, timeout=5)
    return apply(
        plan,
        lambda action, params: actions.STEPS[action](c, params, ctx),
        lambda action, params: actions.undo(c, action, params, ctx),
    )


def seed_stack(endpoint: str, name: str = "orders") -> Journal:
    """The sample database (aws_world.seed_aurora) and a full stack NAME in front of it."""
    seed_aurora(endpoint)
    return make_stack(endpoint, name)
