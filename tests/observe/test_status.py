"""`proxyctl status` against the AWS stand-in: the list, one proxy with seeded metrics,
the JSON document, and wrong input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.aws_world import boto_client, make_proxy, seed_aurora
from tests.conftest import Cli


def seed_world(endpoint: str) -> None:
    """Two proxies: orders (TLS, IAM, the two instances of an Aurora cluster behind it)
    and reports (TLS optional, no targets)."""
    seed_aurora(endpoint, "orders-db")
    make_proxy(endpoint, "orders")
    make_proxy(endpoint, "reports", require_tls=False)
    boto_client(endpoint, "rds").register_db_proxy_targets(
        DBProxyName="orders", DBClusterIdentifiers=["orders-db"]
    )


def put_minutes(
    endpoint: str, proxy: str, name: str, values: list[float], now: datetime | None = None
) -> None:
    """VALUES of NAME for the minutes before this one, newest last, each split over two
    proxy nodes as AWS publishes them. Only in AWS/RDS: the stand-in ignores the namespace
    when dimensions are given, so no other namespace may hold these names."""
    now = (now or datetime.now(UTC)).replace(second=0, microsecond=0)
    data: list[dict[str, Any]] = []
    for back, value in enumerate(reversed(values), start=1):
        at = now - timedelta(minutes=back) + timedelta(seconds=10)
        for _node in range(2):
            data.append(
                {
                    "MetricName": name,
                    "Dimensions": [{"Name": "ProxyName", "Value": proxy}],
                    "Timestamp": at,
                    "Value": value / 2,
                }
            )
    boto_client(endpoint, "cloudwatch").put_metric_data(Namespace="AWS/RDS", MetricData=data)


def seed_busy_orders(endpoint: str) -> None:
    """orders multiplexes 412 clients on 38 database connections, 19 of them pinned."""
    # One clock for all three: a minute that ends between them would shift one series.
    now = datetime.now(UTC)
    put_minutes(endpoint, "orders", "ClientConnections", [300, 390, 412], now)
    put_minutes(endpoint, "orders", "DatabaseConnections", [30, 36, 38], now)
    put_minutes(endpoint, "orders", "DatabaseConnectionsCurrentlySessionPinned", [15, 18, 19], now)


def test_the_list_of_proxies(cli: Cli, aws: str) -> None:
    seed_world(aws)
    run = cli("status")
    assert run.exit_code == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].split() == ["NAME", "STATUS", "TLS", "IAM", "TARGETS", "ENDPOINT"]
    orders, reports = (line.split() for line in lines[1:])
    # The stand-in reports the tracked cluster itself, with its health, as the one target.
    assert orders[:6] == ["orders", "available", "required", "REQUIRED", "1/1", "healthy"]
    assert orders[6].startswith("orders.") and orders[6].endswith(".rds.amazonaws.com")
    assert reports[:6] == ["reports", "available", "optional", "REQUIRED", "0/0", "healthy"]
    doc = cli("--output", "json", "status").json()
    assert (doc["kind"], doc["region"]) == ("proxy_list", "us-east-1")
    first = doc["proxies"][0]
    assert (first["name"], first["require_tls"], first["iam_auth"]) == ("orders", True, "REQUIRED")
    assert (first["targets_healthy"], first["targets_total"]) == (1, 1)


def test_an_empty_region(cli: Cli, aws: str) -> None:
    run = cli("status")
    assert (run.exit_code, run.stdout) == (
        0,
        "No RDS proxies in us-east-1.\nMake one with `proxyctl init`, or check --region and "
        "--profile.\n",
    )


def test_one_proxy_with_its_metrics(cli: Cli, aws: str) -> None:
    seed_world(aws)
    seed_busy_orders(aws)
    run = cli("status", "orders")
    assert run.exit_code == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[:6] == [
        "proxy orders",
        "  status         available",
        "  require TLS    required",
        "  IAM auth       REQUIRED",
        "  idle timeout   1800 s",
        "  debug logging  off",
    ]
    assert "  ConnectionBorrowTimeout    120 s" in lines
    assert "  orders-db  TRACKED_CLUSTER  AVAILABLE" in lines
    connections = next(line for line in lines if line.startswith("  connections"))
    assert connections.split(None, 1)[1].startswith(
        "412 client connections on 38 database connections: 10.8x (at "
    )
    pinned = next(line for line in lines if line.startswith("  pinned"))
    assert "19 of 38 database connections pinned: 50%" in pinned
    assert "  failed db connects  no data yet" in lines
    assert "  ! 50% of the database connections were pinned to one client on average: the " \
        "proxy multiplexes little." in lines  # fmt: skip
    assert any("`proxyctl pinning --proxy orders`" in line for line in lines)


def test_a_proxy_without_metrics_says_no_data(cli: Cli, aws: str) -> None:
    seed_world(aws)
    run = cli("status", "reports", "--since", "2h")
    assert run.exit_code == 0, run.stderr
    assert "  connections         no data yet" in run.stdout.splitlines()
    assert "  - No data yet: CloudWatch has no metrics for this proxy in the last 2h." in (
        run.stdout
    )
    assert " 0 client connections" not in run.stdout


def test_the_json_document(cli: Cli, aws: str) -> None:
    seed_world(aws)
    seed_busy_orders(aws)
    run = cli("--output", "json", "status", "orders", "--since", "30m")
    assert run.exit_code == 0, run.stderr
    doc = run.json()
    assert (doc["kind"], doc["schema_version"]) == ("proxy_status", 1)
    window = doc["window"]
    start, end = (datetime.fromisoformat(window[k]) for k in ("start", "end"))
    assert (end - start, window["period"]) == (timedelta(minutes=30), 60)
    clients = doc["series"]["ClientConnections"]
    assert (clients["stat"], [v for _, v in clients["points"]]) == ("Sum", [300, 390, 412])
    assert doc["series"]["DatabaseConnectionsSetupFailed"]["points"] == []  # no data, no zero
    figures = {r["key"]: r for r in doc["readings"]}
    assert figures["connections"]["value"] == 10.84
    assert figures["pinned"]["value"] == 0.5
    assert figures["query_latency"]["value"] is None
    assert {t["state"] for t in doc["targets"]} == {"AVAILABLE"}
    assert doc["endpoints"][0]["default"] is True
    assert "status.pinned" in {f["code"] for f in doc["findings"]}


def test_an_unknown_proxy_lists_the_others(cli: Cli, aws: str) -> None:
    seed_world(aws)
    run = cli("status", "ordres")
    assert (run.exit_code, run.stdout) == (3, "")
    assert run.stderr == (
        "error: NAME: no RDS proxy named 'ordres' in us-east-1.\n"
        "hint: Proxies in us-east-1: orders, reports. Check --region and --profile.\n"
    )


def test_bad_since_is_refused_before_any_aws_call(cli: Cli) -> None:
    # No AWS stand-in: an unreachable endpoint proves no call was made.
    env = {"PROXYCTL_ENDPOINT_URL": "http://127.0.0.1:9"}
    run = cli("status", "orders", "--since", "15", env=env)
    assert run.exit_code == 2
    assert run.stderr.startswith("error: --since: '15' is not a duration.\n")
    run = cli("--output", "json", "status", "orders", "--since", "20d", env=env)
    assert run.exit_code == 2
    assert run.json()["error"]["field"] == "--since"


def test_watch_needs_a_terminal_and_text(cli: Cli) -> None:
    env = {"PROXYCTL_ENDPOINT_URL": "http://127.0.0.1:9"}
    run = cli("--output", "json", "status", "orders", "--watch", env=env)
    assert (run.exit_code, run.json()["error"]["field"]) == (2, "--watch")
    run = cli("status", "orders", "--watch", "--every", "0.5", env=env)
    assert run.exit_code == 2
    assert "--every" in run.stderr


# Rich markup and a right-to-left override: what an RDS answer (XML, so no control
# characters) can carry that a terminal or rich would act on.
EVIL = "\u202e[bold red]x[/bold red]"


def make_described_proxy(endpoint: str, name: str, description: str) -> None:
    """A proxy like orders whose auth entry has DESCRIPTION (text from AWS, from anyone
    who could create a proxy)."""
    rds = boto_client(endpoint, "rds")
    orders = rds.describe_db_proxies(DBProxyName="orders")["DBProxies"][0]
    rds.create_db_proxy(
        DBProxyName=name,
        EngineFamily="POSTGRESQL",
        Auth=[{**orders["Auth"][0], "Description": description}],
        RoleArn=orders["RoleArn"],
        VpcSubnetIds=orders["VpcSubnetIds"],
    )


def test_aws_text_is_shown_as_data(cli: Cli, aws: str) -> None:
    seed_world(aws)
    make_described_proxy(aws, "odd", EVIL)
    run = cli("status", "odd")
    assert run.exit_code == 0, run.stderr
    assert "\u202e" not in run.stdout
    auth = next(line for line in run.stdout.splitlines() if line.startswith("  auth"))
    assert auth.endswith(r'"\u202e[bold red]x[/bold red]"')


def test_the_live_view_shows_aws_text_as_data(aws: str) -> None:
    from rich.console import Console

    from proxyctl.cli.status import _screen
    from proxyctl.observe.status import proxy_status
    from tests.provision_helpers import clients

    seed_world(aws)
    make_described_proxy(aws, "odd", EVIL)
    view = proxy_status(clients(aws), "odd", 900, datetime.now(UTC))
    console = Console(record=True, width=200, color_system=None)
    console.print(_screen(view, "proxyctl status odd", 5, "a [red]refusal[/red]"))
    shown = console.export_text()
    assert r'"\u202e[bold red]x[/bold red]"' in shown
    # A refresh that failed keeps the last view and says why, also as data.
    assert "refresh failed (a [red]refusal[/red]); showing the last view" in shown


def test_metrics_that_cannot_be_read_are_not_no_data(aws: str) -> None:
    # The stand-in grants every call: botocore's Stubber gives AWS's refusal instead.
    from botocore.stub import Stubber

    from proxyctl.observe.status import proxy_status
    from tests.provision_helpers import clients

    seed_world(aws)
    c = clients(aws)
    with Stubber(c.cloudwatch) as stub:
        stub.add_client_error(
            "get_metric_data", "AccessDenied", "not authorized to perform GetMetricData", 403
        )
        view = proxy_status(c, "orders", 900, datetime.now(UTC))
    text = view.text()
    assert "no data yet" not in text.lower()
    assert (
        "  not read: AWS refused to read the CloudWatch metrics of the RDS proxy orders: "
        "AccessDenied: not authorized to perform GetMetricData." in text.splitlines()
    )
    assert [f.code for f in view.findings] == []  # the targets are healthy; no metric findings
    assert (view.series, view.readings) == ({}, [])


def test_endpoints_that_cannot_be_read_are_said_in_one_short_line(cli: Cli, aws: str) -> None:
    # The stand-in has no DescribeDBProxyEndpoints: it answers with an error page. The
    # default endpoint is still shown; why the others are unknown fits one line.
    seed_world(aws)
    run = cli("status", "orders")
    assert run.exit_code == 0, run.stderr
    line = next(x for x in run.stdout.splitlines() if "other endpoints unknown" in x)
    assert line.startswith("  other endpoints unknown: DescribeDBProxyEndpoints failed (")
    assert "may or may not" not in line and len(line) < 200
