"""--direct finds the writer endpoint of the cluster behind --proxy (moto), and counts the
database's connections there: a monitor that cannot connect stops the run before any load."""

from __future__ import annotations

from tests.aws_world import boto_client, make_proxy, seed_aurora
from tests.conftest import Cli


def seed(endpoint: str) -> str:
    """Proxy orders in front of cluster orders-db; proxy reports with no target."""
    cluster = seed_aurora(endpoint, "orders-db")["cluster"]
    make_proxy(endpoint, "orders")
    make_proxy(endpoint, "reports")
    boto_client(endpoint, "rds").register_db_proxy_targets(
        DBProxyName="orders", DBClusterIdentifiers=["orders-db"]
    )
    return str(cluster["Endpoint"])


def test_direct_loads_the_writer_endpoint_of_the_proxys_cluster(cli: Cli, aws: str) -> None:
    writer = seed(aws)
    run = cli("load", "--proxy", "orders", "--user", "app", "--direct", "--connections", "1")
    assert run.exit_code == 5  # the writer's name does not resolve here
    assert f"proxy: the monitor connection to app@{writer}:5432 failed" in run.stderr


def test_direct_without_a_cluster_names_the_flag(cli: Cli, aws: str) -> None:
    seed(aws)
    run = cli("load", "--proxy", "reports", "--user", "app", "--direct", "--connections", "1")
    assert run.exit_code == 3
    assert "--direct: the proxy fronts no Aurora cluster" in run.stderr
