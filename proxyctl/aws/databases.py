"""RDS reads of PostgreSQL databases (Aurora clusters, RDS instances) as model records."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from proxyctl.aws.errors import aws_errors
from proxyctl.errors import NotFoundError
from proxyctl.model.database import POSTGRES_PORT, Database
from proxyctl.model.network import Subnet

if TYPE_CHECKING:  # only for annotations: clients imports session, which imports secrets
    from proxyctl.aws.clients import Clients


def _subnet_group(c: Clients, name: str | None) -> tuple[str, tuple[Subnet, ...]]:
    if not name:
        return "", ()
    with aws_errors(f"describe the DB subnet group {name}"):
        group = c.rds.describe_db_subnet_groups(DBSubnetGroupName=name)["DBSubnetGroups"][0]
    subnets = tuple(
        Subnet(s["SubnetIdentifier"], s.get("SubnetAvailabilityZone", {}).get("Name", ""))
        for s in group.get("Subnets", [])
    )
    return group.get("VpcId", ""), subnets


def _vpc_cidr(c: Clients, vpc_id: str) -> str | None:
    if not vpc_id:
        return None
    with aws_errors(f"describe the VPC {vpc_id}"):
        vpcs = c.ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"]
    return vpcs[0].get("CidrBlock") if vpcs else None


def _common(item: dict[str, Any]) -> dict[str, Any]:
    secret = item.get("MasterUserSecret") or {}
    return {
        "engine": item.get("Engine", ""),
        "security_groups": tuple(
            g["VpcSecurityGroupId"] for g in item.get("VpcSecurityGroups", [])
        ),
        "iam_auth": bool(item.get("IAMDatabaseAuthenticationEnabled")),
        "master_username": item.get("MasterUsername", ""),
        "managed_secret_arn": secret.get("SecretArn"),
        "managed_secret_kms_key": secret.get("KmsKeyId"),
    }


def _network(c: Clients, group: str | None, vpc: str, network: bool) -> dict[str, Any]:
    """Its VPC, subnets and the VPC's CIDR: three more reads, made only when asked."""
    if not network:
        return {"vpc_id": vpc}
    found_vpc, subnets = _subnet_group(c, group)
    vpc = found_vpc or vpc
    return {"vpc_id": vpc, "subnets": subnets, "vpc_cidr": _vpc_cidr(c, vpc)}


def cluster_from_api(c: Clients, item: dict[str, Any], network: bool = True) -> Database:
    members = item.get("DBClusterMembers", [])
    return Database(
        identifier=item["DBClusterIdentifier"],
        kind="cluster",
        status=item.get("Status", ""),
        endpoint=item.get("Endpoint", ""),
        port=int(item.get("Port") or POSTGRES_PORT),
        writer=next((m["DBInstanceIdentifier"] for m in members if m.get("IsClusterWriter")), None),
        readers=tuple(m["DBInstanceIdentifier"] for m in members if not m.get("IsClusterWriter")),
        **_common(item),
        **_network(c, item.get("DBSubnetGroup"), "", network),
    )


def instance_from_api(c: Clients, item: dict[str, Any], network: bool = True) -> Database:
    group = item.get("DBSubnetGroup") or {}
    endpoint = item.get("Endpoint") or {}
    return Database(
        identifier=item["DBInstanceIdentifier"],
        kind="instance",
        status=item.get("DBInstanceStatus", ""),
        endpoint=endpoint.get("Address", ""),
        port=int(endpoint.get("Port") or POSTGRES_PORT),
        writer=item["DBInstanceIdentifier"],
        **_common(item),
        **_network(c, group.get("DBSubnetGroupName"), group.get("VpcId", ""), network),
    )


def list_databases(c: Clients) -> list[Database]:
    """The region's Aurora PostgreSQL clusters and standalone RDS PostgreSQL instances."""
    with aws_errors("list RDS databases"):
        clusters = [
            item
            for page in c.rds.get_paginator("describe_db_clusters").paginate()
            for item in page["DBClusters"]
            if item.get("Engine") == "aurora-postgresql"
        ]
        instances = [
            item
            for page in c.rds.get_paginator("describe_db_instances").paginate()
            for item in page["DBInstances"]
            if item.get("Engine") == "postgres" and not item.get("DBClusterIdentifier")
        ]
    found = [cluster_from_api(c, item) for item in clusters]
    found += [instance_from_api(c, item) for item in instances]
    return sorted(found, key=lambda db: db.identifier)


def read_database(c: Clients, identifier: str, kind: str) -> Database | None:
    """The cluster or instance IDENTIFIER without its network (see _network), or None."""
    try:
        with aws_errors(f"describe the database {identifier}"):
            if kind == "cluster":
                item = c.rds.describe_db_clusters(DBClusterIdentifier=identifier)["DBClusters"][0]
                return cluster_from_api(c, item, network=False)
            item = c.rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]
            return instance_from_api(c, item, network=False)
    except NotFoundError:
        return None


def find_database(c: Clients, identifier: str, databases: list[Database]) -> Database:
    for db in databases:
        if db.identifier == identifier:
            return db
    names = ", ".join(db.identifier for db in databases) or "none"
    raise NotFoundError(
        f"--database: no PostgreSQL cluster or instance {identifier!r} in {c.region}.",
        hint=f"PostgreSQL databases in {c.region}: {names}.",
        field="--database",
    )
