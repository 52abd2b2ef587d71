"""ModifyDBProxy and its undo. moto has no ModifyDBProxy, so botocore's Stubber answers."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.stub import Stubber

from proxyctl.aws import actions

SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!cluster-1-AbC"
ROLE = "arn:aws:iam::123456789012:role/orders-rds-proxy"
NOW = {
    "DBProxyName": "orders",
    "EngineFamily": "POSTGRESQL",
    "RequireTLS": False,
    "IdleClientTimeout": 900,
    "DebugLogging": True,
    "RoleArn": ROLE,
    "VpcSecurityGroupIds": ["sg-0123456789abcdef0"],
    "Auth": [
        {
            "Description": "proxyctl orders",
            "AuthScheme": "SECRETS",
            "SecretArn": SECRET,
            "IAMAuth": "DISABLED",
            "ClientPasswordAuthType": "POSTGRES_MD5",
        }
    ],
}
WANTED: dict[str, Any] = {
    "DBProxyName": "orders",
    "RequireTLS": True,
    "Auth": [{**NOW["Auth"][0], "IAMAuth": "REQUIRED"}],
}


class FakeClients:
    def __init__(self, rds: Any) -> None:
        self.rds = rds


def test_modify_sends_the_changes_and_its_undo_restores_the_old_values() -> None:
    rds = boto3.Session().client("rds", region_name="us-east-1")
    stub = Stubber(rds)
    stub.add_response("describe_db_proxies", {"DBProxies": [NOW]}, {"DBProxyName": "orders"})
    stub.add_response("modify_db_proxy", {"DBProxy": NOW}, WANTED)
    before = {
        "DBProxyName": "orders",
        "RequireTLS": False,
        "Auth": NOW["Auth"],
    }
    stub.add_response("modify_db_proxy", {"DBProxy": NOW}, before)
    c: Any = FakeClients(rds)
    with stub:
        _, undo = actions.modify_proxy(c, WANTED, actions.RunContext())
        assert undo == ("modify_proxy_back", before)
        actions.undo(c, *undo, actions.RunContext())
    stub.assert_no_pending_responses()
