"""`proxyctl advise` against the AWS stand-in: a busy cluster, a quiet instance, JSON,
the price override, an unknown class, and wrong input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.aws_world import boto_client, make_proxy, seed_aurora
from tests.conftest import Cli


def put_connections(endpoint: str, dimension: str, name: str, values: list[float]) -> None:
    """VALUES of the database's DatabaseConnections, one a minute, newest last. The
    stand-in ignores the namespace when dimensions are given: DBClusterIdentifier and
    DBInstanceIdentifier are used by no other namespace in these tests."""
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    data: list[dict[str, Any]] = [
        {
            "MetricName": "DatabaseConnections",
            "Dimensions": [{"Name": dimension, "Value": name}],
            "Timestamp": now - timedelta(minutes=back) + timedelta(seconds=10),
            "Value": value,
        }
        for back, value in enumerate(reversed(values), start=1)
    ]
    boto_client(endpoint, "cloudwatch").put_metric_data(Namespace="AWS/RDS", MetricData=data)


def seed_quiet(endpoint: str, instance_class: str = "db.t4g.medium") -> None:
    """reports: one RDS PostgreSQL instance, no standby, a handful of connections."""
    boto_client(endpoint, "rds").create_db_instance(
        DBInstanceIdentifier="reports",
        Engine="postgres",
        DBInstanceClass=instance_class,
        MasterUsername="postgres",
        MasterUserPassword="example-password-1",
        AllocatedStorage=20,
    )
    put_connections(endpoint, "DBInstanceIdentifier", "reports", [3, 5, 4, 6])


def test_a_busy_cluster_is_told_a_proxy_is_recommended(cli: Cli, aws: str) -> None:
    seed_aurora(aws, "orders-db")
    # db.r6g.large: 16 GiB -> the default formula gives 1,802 connections.
    put_connections(aws, "DBClusterIdentifier", "orders-db", [900] * 18 + [1500, 1650])
    run = cli("advise", "--db-cluster", "orders-db")
    assert run.exit_code == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == "RDS Proxy for orders-db (Aurora cluster, aurora-postgresql): recommended"
    assert lines[2] == (
        "  - [recommended] peak 1,650 of 1,802 connections over 7d (92%): "
        "a proxy caps and shares them"
    )
    assert lines[3].startswith(
        "  - [likely useful] 1 reader(s) to fail over to: clients of the writer endpoint "
        "wait for DNS (30-60 s)"
    )
    assert lines[4] == (
        "  - [note] IAM database auth on; master secret RDS-managed (rotates): a proxy can "
        "take IAM tokens from clients and keep passwords in Secrets Manager"
    )
    assert "  connections over 7d: peak 1,650, p95 1,500, headroom 152" in lines
    assert any("LEAST({DBInstanceClassMemory/9531392},5000)" in line for line in lines)
    assert (
        "Cost: estimate: 2 x db.r6g.large (2 vCPU each) = 4 vCPU x $0.015/h x 730 h = $43.80/month"
    ) in lines
    assert "  proxies in front of it: none" in lines


def test_a_quiet_single_instance_gains_little(cli: Cli, aws: str) -> None:
    seed_quiet(aws)
    run = cli("advise", "--db-instance", "reports", "--since", "1d")
    assert run.exit_code == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == "RDS Proxy for reports (RDS instance, postgres): little benefit"
    # db.t4g.medium: 4 GiB -> 450 connections by the default formula.
    assert "  - [little benefit] peak 6 of 450 connections over 1d (1%): " in run.stdout
    assert "no reader and no Multi-AZ standby: no failover to speed up" in run.stdout
    assert "[recommended]" not in run.stdout and "[likely useful]" not in run.stdout


def test_json_has_every_figure_and_its_source(cli: Cli, aws: str) -> None:
    seed_aurora(aws, "orders-db")
    make_proxy(aws, "orders")
    boto_client(aws, "rds").register_db_proxy_targets(
        DBProxyName="orders", DBClusterIdentifiers=["orders-db"]
    )
    put_connections(aws, "DBClusterIdentifier", "orders-db", [100, 120])
    run = cli("--output", "json", "advise", "--db-cluster", "orders-db")
    assert run.exit_code == 0, run.stderr
    doc = run.json()
    assert (doc["kind"], doc["schema_version"], doc["verdict"]) == ("advice", 1, "likely useful")
    ev = doc["evidence"]
    assert ev["connections"]["peak"] == 120
    assert ev["connections"]["limit"]["value"] == 1802
    assert ev["connections"]["limit"]["source"].startswith("engine default LEAST(")
    assert ev["proxies"] == [["orders", "available"]]
    assert ev["cost"]["monthly"] == 43.8
    assert ev["cost"]["price"]["checked"] == "2026-11-29"
    assert "already behind the RDS proxy orders (available)" in str(doc["reasons"])
    text = cli("advise", "--db-cluster", "orders-db").stdout
    assert text.startswith(
        "RDS Proxy for orders-db (Aurora cluster, aurora-postgresql): likely useful; it is "
        "already behind orders (available)\n"
    ), text


def test_the_price_override_and_a_set_max_connections(cli: Cli, aws: str) -> None:
    seed_quiet(aws, "db.r6i.xlarge")
    rds = boto_client(aws, "rds")
    rds.create_db_parameter_group(
        DBParameterGroupName="reports-params",
        DBParameterGroupFamily="postgres16",
        Description="reports",
    )
    rds.modify_db_parameter_group(
        DBParameterGroupName="reports-params",
        Parameters=[
            {
                "ParameterName": "max_connections",
                "ParameterValue": "10",
                "ApplyMethod": "pending-reboot",
            }
        ],
    )
    rds.modify_db_instance(DBInstanceIdentifier="reports", DBParameterGroupName="reports-params")
    run = cli("advise", "--db-instance", "reports", "--price-per-vcpu-hour", "0.02")
    assert run.exit_code == 0, run.stderr
    assert "peak 6 of 10 connections over 7d (60%)" in run.stdout
    assert "  max_connections 10 (parameter group reports-params)" in run.stdout
    assert (
        "Cost: estimate: 1 x db.r6i.xlarge (4 vCPU each) = 4 vCPU x $0.02/h x 730 h = $58.40/month"
    ) in run.stdout
    assert "  price: $0.02 per vCPU-hour, given with --price-per-vcpu-hour" in run.stdout


def test_an_unknown_class_gets_no_cost_figure(cli: Cli, aws: str) -> None:
    seed_quiet(aws, "db.z1d.large")
    run = cli("advise", "--db-instance", "reports")
    assert run.exit_code == 0, run.stderr
    assert "Cost: estimate: no figure: vCPU count of db.z1d.large not known to proxyctl" in (
        run.stdout
    )
    assert "memory of db.z1d.large not known" in run.stdout


def test_bad_input_exits_2_naming_the_flag(cli: Cli, aws: str) -> None:
    both = cli("advise", "--db-cluster", "a", "--db-instance", "b")
    assert both.exit_code == 2
    assert "error: Give one database: --db-cluster ID or --db-instance ID." in both.stderr
    assert cli("advise").exit_code == 2
    bad = cli("advise", "--db-cluster", "orders--db")
    assert bad.exit_code == 2 and "--db-cluster: 'orders--db' is not a valid" in bad.stderr
    since = cli("advise", "--db-cluster", "orders-db", "--since", "20d")
    assert since.exit_code == 2 and "--since" in since.stderr
    price = cli("advise", "--db-cluster", "orders-db", "--price-per-vcpu-hour", "0")
    assert price.exit_code == 2 and "--price-per-vcpu-hour: 0 is not a price" in price.stderr


def test_a_missing_database_exits_3(cli: Cli, aws: str) -> None:
    run = cli("advise", "--db-cluster", "nothing-here")
    assert run.exit_code == 3
    assert "error: --db-cluster: no Aurora cluster 'nothing-here' in this region." in run.stderr
    run = cli("advise", "--db-instance", "nothing-here")
    assert run.exit_code == 3


def make_function(endpoint: str, name: str, subnet: str, variables: dict[str, str]) -> None:
    import io
    import zipfile

    iam = boto_client(endpoint, "iam")
    try:
        role = iam.get_role(RoleName="fn-role")["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        role = iam.create_role(RoleName="fn-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return 1\n")
    boto_client(endpoint, "lambda").create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": code.getvalue()},
        VpcConfig={"SubnetIds": [subnet], "SecurityGroupIds": []},
        Environment={"Variables": variables},
    )


def test_lambda_functions_on_the_endpoint_make_a_proxy_recommended(cli: Cli, aws: str) -> None:
    made = seed_aurora(aws, "orders-db")
    host = made["cluster"]["Endpoint"]
    subnet = made["subnets"][0]
    make_function(aws, "checkout", subnet, {"DB_HOST": host, "DB_PASSWORD": "hunter2-secret"})
    make_function(aws, "refunds", subnet, {"PGHOST": host.upper()})
    make_function(aws, "mailer", subnet, {"SMTP_HOST": "mail.example.com"})
    boto_client(aws, "lambda").put_function_concurrency(
        FunctionName="checkout", ReservedConcurrentExecutions=500
    )
    put_connections(aws, "DBClusterIdentifier", "orders-db", [40, 60])
    run = cli("advise", "--db-cluster", "orders-db")
    assert run.exit_code == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].endswith(": recommended")
    # refunds has no reservation: together they may use the account's whole limit,
    # which the stand-in cannot tell.
    assert lines[2] == (
        "  - [recommended] 2 Lambda function(s) in its VPC with the account's concurrency "
        "reach its endpoints directly: each execution opens its own connection"
    )
    assert (
        "  Lambda function checkout: DB_HOST names an endpoint; concurrency 500 reserved" in lines
    )
    assert (
        "  Lambda function refunds: PGHOST names an endpoint; concurrency the account's limit"
    ) in lines
    assert "mailer" not in run.stdout
    assert "hunter2" not in run.stdout
    doc = cli("--output", "json", "advise", "--db-cluster", "orders-db")
    assert "hunter2" not in doc.stdout
    assert doc.json()["evidence"]["lambdas"]["functions"][0] == ["checkout", ["DB_HOST"], 500]


def test_reserved_concurrency_is_added_up(cli: Cli, aws: str) -> None:
    made = seed_aurora(aws, "orders-db")
    for name in ("a", "b"):
        make_function(aws, name, made["subnets"][1], {"DB": made["cluster"]["Endpoint"]})
        boto_client(aws, "lambda").put_function_concurrency(
            FunctionName=name, ReservedConcurrentExecutions=250
        )
    run = cli("advise", "--db-cluster", "orders-db")
    assert "2 Lambda function(s) in its VPC with up to 500 concurrent executions" in run.stdout
