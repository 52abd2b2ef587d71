"""Builds AWS resources in the moto server for tests: a secret, a role, a proxy."""

from __future__ import annotations

import json
from typing import Any

REGION = "us-east-1"


def boto_client(endpoint: str, service: str) -> Any:
    import boto3

    # Fake keys of its own: a module-scoped world is seeded before the per-test
    # isolation puts fake credentials in the environment.
    return boto3.client(
        service,
        region_name=REGION,
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


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


def seed_aurora(
    endpoint: str, name: str = "orders-db", managed_secret: bool = True
) -> dict[str, Any]:
    """A sample Aurora PostgreSQL cluster: two instances, a subnet group over two AZs,
    a security group, and (by default) an RDS-managed master secret."""
    ec2 = boto_client(endpoint, "ec2")
    rds = boto_client(endpoint, "rds")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]
    by_az: dict[str, str] = {}
    for subnet in subnets:
        by_az.setdefault(subnet["AvailabilityZone"], subnet["SubnetId"])
    two = sorted(by_az.items())[:2]
    group = ec2.create_security_group(
        GroupName=f"{name}-db", Description=f"{name} database", VpcId=vpc
    )["GroupId"]
    rds.create_db_subnet_group(
        DBSubnetGroupName=f"{name}-subnets",
        DBSubnetGroupDescription=f"{name} subnets",
        SubnetIds=[subnet for _, subnet in two],
    )
    extra: dict[str, Any] = (
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
        **extra,
    )["DBCluster"]
    for number in (1, 2):
        rds.create_db_instance(
            DBInstanceIdentifier=f"{name}-{number}",
            DBClusterIdentifier=name,
            Engine="aurora-postgresql",
            DBInstanceClass="db.r6g.large",
        )
    return {"cluster": cluster, "group": group, "vpc": vpc, "subnets": [s for _, s in two]}


if __name__ == "__main__":
    import sys

    made = seed_aurora(sys.argv[1])
    cluster = made["cluster"]
    print(
        f"seeded {sys.argv[1]}: Aurora PostgreSQL cluster {cluster['DBClusterIdentifier']} "
        f"(2 instances, RDS-managed secret, subnets {', '.join(made['subnets'])})"
    )
