"""Builds AWS resources in the moto server for tests: a secret, a role, a proxy."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import boto_client


def make_proxy(endpoint: str, name: str = "orders", require_tls: bool = True) -> dict[str, Any]:
    """A PostgreSQL RDS proxy in moto's default VPC; returns DescribeDBProxies' item."""
    ec2 = boto_client(endpoint, "ec2")
    subnets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]][:2]
    secret = boto_client(endpoint, "secretsmanager").create_secret(
        Name=f"{name}-db", SecretString=json.dumps({"username": "app", "password": "pw"})
    )
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "rds.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    iam = boto_client(endpoint, "iam")
    role = iam.create_role(RoleName=f"{name}-proxy", AssumeRolePolicyDocument=json.dumps(trust))
    rds = boto_client(endpoint, "rds")
    created = rds.create_db_proxy(
        DBProxyName=name,
        EngineFamily="POSTGRESQL",
        Auth=[{"AuthScheme": "SECRETS", "SecretArn": secret["ARN"], "IAMAuth": "REQUIRED"}],
        RoleArn=role["Role"]["Arn"],
        VpcSubnetIds=subnets,
        RequireTLS=require_tls,
    )
    return dict(created["DBProxy"])
