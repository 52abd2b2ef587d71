"""The cost estimate where a proxy is planned (init's plan) and where it runs (status)."""

from __future__ import annotations

from tests.aws_world import boto_client, make_proxy, seed_aurora
from tests.conftest import Cli

COST = "estimate: 2 x db.r6g.large (2 vCPU each) = 4 vCPU x $0.015/h x 730 h = $43.80/month"


def test_status_shows_the_cost_of_the_instances_behind_the_proxy(cli: Cli, aws: str) -> None:
    seed_aurora(aws, "orders-db")
    make_proxy(aws, "orders")
    boto_client(aws, "rds").register_db_proxy_targets(
        DBProxyName="orders", DBClusterIdentifiers=["orders-db"]
    )
    run = cli("status", "orders")
    assert run.exit_code == 0, run.stderr
    assert f"cost  {COST}" in run.stdout.splitlines()
    doc = cli("--output", "json", "status", "orders").json()
    assert doc["cost"] == COST


def test_status_of_a_proxy_without_targets_gives_no_figure(cli: Cli, aws: str) -> None:
    make_proxy(aws, "reports")
    run = cli("status", "reports")
    assert run.exit_code == 0, run.stderr
    assert "cost  estimate: no instances behind the proxy, so no figure" in run.stdout


def test_init_plan_shows_the_cost(cli: Cli, aws: str) -> None:
    seed_aurora(aws, "orders-db")
    run = cli(
        "init",
        "--db-cluster",
        "orders-db",
        "--allow-cidr",
        "10.0.0.0/16",
        "--dry-run",
        "--no-input",
    )
    assert run.exit_code == 0, run.stderr
    assert f"  cost: {COST}" in run.stdout.splitlines()
