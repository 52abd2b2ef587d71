"""The proxy's security group as init makes it: IPv6 ranges stay IPv6."""

from __future__ import annotations

from typing import Any

import pytest

from tests.aws_world import seed_aurora
from tests.conftest import Cli, boto_client


@pytest.fixture
def world(aws: str) -> dict[str, Any]:
    seed = seed_aurora(aws)
    seed["endpoint"] = aws
    return seed


def proxy_group(endpoint: str) -> dict[str, Any]:
    return dict(
        boto_client(endpoint, "ec2").describe_security_groups(
            Filters=[{"Name": "group-name", "Values": ["orders-db-proxy-rds-proxy"]}]
        )["SecurityGroups"][0]
    )


def test_an_ipv6_range_becomes_an_ipv6_rule(cli: Cli, world: dict[str, Any]) -> None:
    run = cli("init", "--yes", "--allow-cidr", "fd00:10::/32", "--allow-cidr", "10.20.0.0/16")
    assert run.exit_code == 0, run.stderr
    group = proxy_group(world["endpoint"])
    v4 = [r["CidrIp"] for p in group["IpPermissions"] for r in p.get("IpRanges", [])]
    v6 = [r["CidrIpv6"] for p in group["IpPermissions"] for r in p.get("Ipv6Ranges", [])]
    assert (v4, v6) == (["10.20.0.0/16"], ["fd00:10::/32"])
    again = cli("init", "--yes", "--allow-cidr", "fd00:10::/32", "--allow-cidr", "10.20.0.0/16")
    assert again.exit_code == 0, again.stderr
    assert "nothing to do" in again.stdout

