"""The proxy's security group as init makes it: IPv6 ranges, and outbound traffic that
matches what the exported Terraform declares."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import hcl2
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


def test_outbound_traffic_is_the_databases_port_as_in_terraform(
    cli: Cli, world: dict[str, Any], tmp_path: Path
) -> None:
    args = ["init", "--yes", "--allow-cidr", "10.20.0.0/16", "--export-terraform", str(tmp_path)]
    run = cli(*args)
    assert run.exit_code == 0, run.stderr
    egress = proxy_group(world["endpoint"])["IpPermissionsEgress"]
    made = [
        (p["IpProtocol"], p.get("FromPort"), p.get("ToPort"), pair["GroupId"])
        for p in egress
        for pair in p.get("UserIdGroupPairs", [])
    ]
    assert made == [("tcp", 5432, 5432, world["group"])]
    assert [p for p in egress if p.get("IpRanges") or p.get("Ipv6Ranges")] == []
    main = hcl2.loads((tmp_path / "main.tf").read_text())
    rules = [
        body
        for block in main["resource"]
        for kind, named in block.items()
        if kind.strip('"') == "aws_vpc_security_group_egress_rule"
        for body in named.values()
    ]
    assert [(r["ip_protocol"].strip('"'), r["from_port"], r["to_port"]) for r in rules] == [
        ("tcp", 5432, 5432)
    ]
    assert rules[0]["for_each"] == "${toset(var.db_security_group_ids)}"
    assert rules[0]["referenced_security_group_id"] == "${each.value}"
    destroyed = cli("destroy", "orders-db-proxy", "--yes")
    assert destroyed.exit_code == 0, destroyed.stderr
