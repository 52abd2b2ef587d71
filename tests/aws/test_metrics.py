"""The metrics reader against the AWS stand-in, and the endpoints reader on a Stubber."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.stub import Stubber

from proxyctl.aws import metrics, proxies
from proxyctl.aws.clients import endpoint_client
from proxyctl.errors import NotFoundError
from proxyctl.model.metrics import PROXY_METRICS, Window
from tests.aws_world import REGION, boto_client

# A whole minute in the past, so that the window is fixed whatever the clock says.
START = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


def minute(n: int) -> datetime:
    return START + timedelta(minutes=n)


def put(endpoint: str, name: str, proxy: str, values: list[tuple[datetime, float]]) -> None:
    # Namespace AWS/RDS only: the stand-in ignores the namespace when dimensions are
    # given, so no other namespace may hold these names and dimensions.
    boto_client(endpoint, "cloudwatch").put_metric_data(
        Namespace="AWS/RDS",
        MetricData=[
            {
                "MetricName": name,
                "Dimensions": [{"Name": "ProxyName", "Value": proxy}],
                "Timestamp": at,
                "Value": value,
            }
            for at, value in values
        ],
    )


def test_gauges_are_summed_over_the_nodes_each_minute(aws: str) -> None:
    # Two proxy nodes each report their own connections, twice a minute apart.
    put(
        aws,
        "ClientConnections",
        "orders",
        [(minute(1), 200), (minute(1) + timedelta(seconds=30), 212)],
    )
    put(aws, "ClientConnections", "orders", [(minute(2), 100)])
    put(aws, "ClientConnections", "other", [(minute(1), 999)])  # another proxy's
    put(aws, "QueryResponseLatency", "orders", [(minute(1), 1000), (minute(1), 3000)])
    window = Window(START, minute(5))
    found = metrics.read_metrics(boto_client(aws, "cloudwatch"), "orders", window)
    assert set(found) == {m.name for m in PROXY_METRICS}
    assert found["ClientConnections"].points == ((minute(1), 412.0), (minute(2), 100.0))
    assert found["QueryResponseLatency"].points == ((minute(1), 2000.0),)  # Average
    assert found["DatabaseConnections"].empty  # no data: not a zero
    assert found["DatabaseConnections"].latest is None


def test_points_outside_the_window_are_left_out(aws: str) -> None:
    put(aws, "DatabaseConnections", "orders", [(minute(0), 1), (minute(4), 4), (minute(5), 5)])
    window = Window(minute(1), minute(5))  # minute 5 is the end: excluded
    found = metrics.read_metrics(boto_client(aws, "cloudwatch"), "orders", window)
    assert found["DatabaseConnections"].points == ((minute(4), 4.0),)


def _rds() -> Any:
    return endpoint_client("rds", "http://127.0.0.1:9", REGION, ("AKIDEXAMPLE", "secret"))


def _endpoint(name: str, default: bool, role: str = "READ_WRITE") -> dict[str, Any]:
    return {
        "DBProxyEndpointName": name,
        "DBProxyName": "orders",
        "Endpoint": f"{name}.endpoint.proxy-abc.us-east-1.rds.amazonaws.com",
        "Status": "available",
        "TargetRole": role,
        "IsDefault": default,
        "VpcId": "vpc-1",
    }


def test_endpoints_default_first_over_pages() -> None:
    # moto has no DescribeDBProxyEndpoints: botocore's Stubber answers as AWS would,
    # over two pages, to show the reader follows Marker.
    rds = _rds()
    with Stubber(rds) as stub:
        stub.add_response(
            "describe_db_proxy_endpoints",
            {"DBProxyEndpoints": [_endpoint("reads", False, "READ_ONLY")], "Marker": "m1"},
            {"DBProxyName": "orders"},
        )
        stub.add_response(
            "describe_db_proxy_endpoints",
            {"DBProxyEndpoints": [_endpoint("default", True)]},
            {"DBProxyName": "orders", "Marker": "m1"},
        )
        found = proxies.read_endpoints(rds, "orders")
        stub.assert_no_pending_responses()
    assert [(e.name, e.role, e.default) for e in found] == [
        ("default", "READ_WRITE", True),
        ("reads", "READ_ONLY", False),
    ]


def test_endpoints_of_a_missing_proxy_is_not_found() -> None:
    # moto has no DescribeDBProxyEndpoints: the Stubber gives AWS's fault for it.
    rds = _rds()
    with Stubber(rds) as stub:
        stub.add_client_error(
            "describe_db_proxy_endpoints",
            "DBProxyNotFoundFault",
            "DBProxy nope is not found.",
            404,
            {"DBProxyName": "nope"},
        )
        with pytest.raises(NotFoundError) as raised:
            proxies.read_endpoints(rds, "nope")
    assert raised.value.message == (
        "AWS refused to describe the endpoints of the RDS proxy nope: "
        "DBProxyNotFoundFault: DBProxy nope is not found."
    )
