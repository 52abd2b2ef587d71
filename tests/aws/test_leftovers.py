"""After a call whose answer never came, init looks for what it made: every step has a way."""

from __future__ import annotations

from typing import Any

import pytest

from proxyctl.aws import actions, leftovers
from proxyctl.errors import ProxyctlError


def test_every_step_init_runs_has_a_finder() -> None:
    assert set(leftovers.FINDERS) == set(actions.STEPS)


class _NoCalls:
    """A Clients that fails the test if a finder asks AWS anything."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"a finder that needs no AWS call used {name}")


@pytest.mark.parametrize(
    ("action", "params", "command"),
    [
        (
            "modify_proxy",
            {"DBProxyName": "orders-proxy", "RequireTLS": True},
            "aws rds describe-db-proxies --db-proxy-name orders-proxy",
        ),
        (
            "limit_egress",
            {"GroupId": "sg-0123456789abcdef0", "IpPermissions": []},
            "aws ec2 describe-security-groups --group-ids sg-0123456789abcdef0",
        ),
    ],
)
def test_a_change_to_something_of_an_earlier_run_is_named_with_how_to_see_it(
    action: str, params: dict[str, Any], command: str
) -> None:
    with pytest.raises(ProxyctlError) as raised:
        leftovers.find_leftover(_NoCalls(), action, params, [])  # type: ignore[arg-type]
    assert "may have changed" in raised.value.message
    assert f"(see `{command}`)" in raised.value.message


@pytest.mark.parametrize(
    ("action", "made"),
    [("modify_proxy", "delete_proxy"), ("limit_egress", "delete_security_group")],
)
def test_a_change_to_something_this_run_made_goes_with_it(action: str, made: str) -> None:
    params = {"DBProxyName": "orders-proxy", "GroupId": "sg-0123456789abcdef0"}
    assert leftovers.find_leftover(_NoCalls(), action, params, [made]) is None  # type: ignore[arg-type]


class _Ec2Only:
    def __init__(self, endpoint: str) -> None:
        from tests.aws_world import boto_client

        self.ec2 = boto_client(endpoint, "ec2")


def test_rules_a_cut_short_revoke_removed_are_put_back(aws: str) -> None:
    c = _Ec2Only(aws)
    vpc = c.ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    group = c.ec2.create_security_group(GroupName="p", Description="p", VpcId=vpc)["GroupId"]
    kept = {
        "IpProtocol": "tcp",
        "FromPort": 5432,
        "ToPort": 5432,
        "IpRanges": [{"CidrIp": "10.1.0.0/16"}],
    }
    gone = {
        "IpProtocol": "tcp",
        "FromPort": 5432,
        "ToPort": 5432,
        "Ipv6Ranges": [{"CidrIpv6": "2001:db8::/32"}],
    }
    c.ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[kept])
    revoke = {"GroupId": group, "IpPermissions": [kept, gone]}  # the call: only GONE went
    undo = leftovers.find_leftover(c, "revoke_ingress", revoke, [])  # type: ignore[arg-type]
    assert undo == ("authorize_ingress_back", {"GroupId": group, "IpPermissions": [gone]})
    c.ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[gone])
    assert leftovers.find_leftover(c, "revoke_ingress", revoke, []) is None  # type: ignore[arg-type]
