"""The connect policy's name and resource, worked out without AWS."""

from __future__ import annotations

import re

import pytest

from proxyctl.errors import UsageError
from proxyctl.provision.grant import ProxyArn, build_grant, policy_name, role_name

ARN = "arn:aws-cn:rds:cn-north-1:123456789012:db-proxy:prx-0123456789abcdef0"


def test_the_resource_uses_the_proxys_prx_id_and_partition() -> None:
    made = build_grant("orders", ProxyArn.parse(ARN), "app", "orders-api")
    assert (
        made.resource
        == "arn:aws-cn:rds-db:cn-north-1:123456789012:dbuser:prx-0123456789abcdef0/app"
    )
    assert made.policy_name == "proxyctl-connect-orders-app"


def test_policy_names_fit_iams_limit_and_stay_distinct() -> None:
    long_user = "u" * 63
    proxy = "p" * 63
    name = policy_name(proxy, long_user)
    assert len(name) <= 128
    assert name != policy_name(proxy, "u" * 62 + "v")
    assert re.fullmatch(r"[\w+=,.@-]+", policy_name("orders", "app user"))
    assert policy_name("orders", "app user") != policy_name("orders", "app_user")


def test_role_names_and_arns() -> None:
    assert role_name("arn:aws:iam::123456789012:role/service/orders-api") == "orders-api"
    with pytest.raises(UsageError):
        role_name("x" * 65)
