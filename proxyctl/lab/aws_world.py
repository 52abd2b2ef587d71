"""Seeds the AWS stand-in with what proxyctl finds in a real account: an Aurora
PostgreSQL cluster with its network, or a ready RDS proxy."""

from __future__ import annotations

import json
from typing import Any

REGION = "us-east-1"
# RDS may assume the proxy's role: the trust policy every RDS proxy role carries.
RDS_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "rds.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


# The stand-in accepts any keys; fixed ones make seeding independent of the environment
# (a test's module-scoped world is seeded before its per-test fake credentials exist).
CREDENTIALS = ("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")


def make_proxy(endpoint: str, name: str = "orders", require_tls: bool = True) -> dict[str, Any]:
    """A PostgreSQL RDS proxy in moto's default VPC; returns DescribeDBProxies' item."""
    ec2 = _client(endpoint, "ec2")
    subnets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]][:2]
    secret = _client(endpoint, "secretsmanager").create_secret(
        Name=f"{name}-db", SecretString=json.dumps({"username": "app", "password": "pw"})
    )
    role = _client(endpoint, "iam").create_role(
        RoleName=f"{name}-proxy", AssumeRolePolicyDocument=json.dumps(RDS_TRUST)
    )
    created = _client(endpoint, "rds").create_db_proxy(
        DBProxyName=name,
        EngineFamily="POSTGRESQL",
        Auth=[{"AuthScheme": "SECRETS", "SecretArn": secret["ARN"], "IAMAuth": "REQUIRED"}],
        RoleArn=role["Role"]["Arn"],
        VpcSubnetIds=subnets,
        RequireTLS=require_tls,
    )
    return dict(created["DBProxy"])


def seed_aurora(
    endpoint: str, name: str = "orders-db", managed_secret: bool = True
) -> dict[str, Any]:
    """A sample Aurora PostgreSQL cluster: two instances, a subnet group over two AZs,
    a security group, and (by default) an RDS-managed master secret. Returns the cluster
    (CreateDBCluster's item), and the ids of its security group, VPC and subnets."""
    ec2 = _client(endpoint, "ec2")
    rds = _client(endpoint, "rds")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    two = _subnets_in_two_zones(ec2, vpc)
    group = ec2.create_security_group(
        GroupName=f"{name}-db", Description=f"{name} database", VpcId=vpc
    )["GroupId"]
    rds.create_db_subnet_group(
        DBSubnetGroupName=f"{name}-subnets",
        DBSubnetGroupDescription=f"{name} subnets",
        SubnetIds=two,
    )
    password: dict[str, Any] = (
        {"ManageMasterUserPassword": True}
        if managed_secret
        else {"MasterUserPassword": "example-password-1"}
    )
    cluster = rds.create_db_cluster(
        DBClusterIdentifier=name,
        Engine="aurora-postgresql",
        EngineVersion="16.4",
        MasterUsername="postgres",
        DBSubnetGroupName=f"{name}-subnets",
        VpcSecurityGroupIds=[group],
        EnableIAMDatabaseAuthentication=True,
        **password,
    )["DBCluster"]
    for number in (1, 2):
        rds.create_db_instance(
            DBInstanceIdentifier=f"{name}-{number}",
            DBClusterIdentifier=name,
            Engine="aurora-postgresql",
            DBInstanceClass="db.r6g.large",
        )
    return {"cluster": cluster, "group": group, "vpc": vpc, "subnets": two}


def _subnets_in_two_zones(ec2: Any, vpc: str) -> list[str]:
    """One subnet in each of the first two availability zones (sorted) of VPC."""
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]
    by_az: dict[str, str] = {}
    for subnet in subnets:
        by_az.setdefault(subnet["AvailabilityZone"], subnet["SubnetId"])
    return [subnet for _, subnet in sorted(by_az.items())[:2]]


def _client(endpoint: str, service: str) -> Any:
    # aws/ loads botocore: only when seeding, so that importing the lab stays light.
    from proxyctl.aws.clients import endpoint_client

    return endpoint_client(service, endpoint, REGION, CREDENTIALS)
