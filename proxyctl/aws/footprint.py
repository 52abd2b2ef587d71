"""What `advise` reads of a database: its instances, their classes and parameters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from proxyctl.aws.errors import aws_errors
from proxyctl.model.proxy import TargetHealth


@dataclass(frozen=True)
class Member:
    identifier: str
    instance_class: str
    multi_az: bool
    parameter_group: str | None
    writer: bool
    endpoint: str = ""


@dataclass(frozen=True)
class Footprint:
    identifier: str
    kind: str  # "cluster" | "instance"
    engine: str
    iam_auth: bool
    managed_secret: bool  # RDS manages (and rotates) the master password's secret
    members: tuple[Member, ...]
    serverless: tuple[float, float] | None  # (min, max) ACUs of Aurora Serverless v2
    vpc_id: str = ""
    endpoints: tuple[str, ...] = ()  # every host name clients may use to reach it


def _member(item: dict[str, Any], writer: bool) -> Member:
    groups = item.get("DBParameterGroups") or [{}]
    return Member(
        identifier=item["DBInstanceIdentifier"],
        instance_class=item.get("DBInstanceClass", ""),
        multi_az=bool(item.get("MultiAZ")),
        parameter_group=groups[0].get("DBParameterGroupName"),
        writer=writer,
        endpoint=(item.get("Endpoint") or {}).get("Address", ""),
    )


def _vpc(rds: Any, item: dict[str, Any]) -> str:
    group = item.get("DBSubnetGroup")
    if isinstance(group, dict):  # an instance's: the whole group
        return str(group.get("VpcId", ""))
    if not group:
        return ""
    found = rds.describe_db_subnet_groups(DBSubnetGroupName=group)["DBSubnetGroups"]
    return str(found[0].get("VpcId", "")) if found else ""


def read_footprint(rds: Any, kind: str, identifier: str) -> Footprint:
    """The cluster or instance IDENTIFIER and its instances (NotFoundError when absent)."""
    with aws_errors(f"describe the database {identifier}"):
        if kind == "instance":
            item = rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]
            members: tuple[Member, ...] = (_member(item, True),)
            scaling = None
        else:
            item = rds.describe_db_clusters(DBClusterIdentifier=identifier)["DBClusters"][0]
            roles = {
                m["DBInstanceIdentifier"]: m.get("IsClusterWriter", False)
                for m in item.get("DBClusterMembers", [])
            }
            found = rds.describe_db_instances(
                Filters=[{"Name": "db-cluster-id", "Values": [identifier]}]
            )["DBInstances"]
            members = tuple(_member(i, roles.get(i["DBInstanceIdentifier"], False)) for i in found)
            scaling = item.get("ServerlessV2ScalingConfiguration")
        vpc = _vpc(rds, item)
    hosts = [item.get("Endpoint"), item.get("ReaderEndpoint"), *(m.endpoint for m in members)]
    return Footprint(
        identifier=identifier,
        kind=kind,
        engine=item.get("Engine", ""),
        iam_auth=bool(item.get("IAMDatabaseAuthenticationEnabled")),
        managed_secret=bool(item.get("MasterUserSecret")),
        members=members,
        serverless=(scaling["MinCapacity"], scaling["MaxCapacity"]) if scaling else None,
        vpc_id=vpc,
        endpoints=tuple(dict.fromkeys(h for h in hosts if isinstance(h, str) and h)),
    )


def read_max_connections(rds: Any, parameter_group: str) -> str | None:
    """The max_connections value of PARAMETER_GROUP as written there (a number or a formula)."""
    with aws_errors(f"read the parameter group {parameter_group}"):
        pages = rds.get_paginator("describe_db_parameters").paginate(
            DBParameterGroupName=parameter_group
        )
        for page in pages:
            for param in page.get("Parameters", []):
                if param.get("ParameterName") == "max_connections":
                    value = param.get("ParameterValue")
                    return str(value) if value is not None else None
    return None


def proxies_in_front(rds: Any, identifier: str, members: list[str]) -> list[tuple[str, str]]:
    """(proxy name, status) of each of the region's proxies with this database as a target."""
    names = {identifier, *members}
    found = []
    with aws_errors("list the RDS proxies and their targets"):
        for page in rds.get_paginator("describe_db_proxies").paginate():
            for proxy in page.get("DBProxies", []):
                targets = rds.describe_db_proxy_targets(DBProxyName=proxy["DBProxyName"])
                ids = {t.get("RdsResourceId") for t in targets.get("Targets", [])}
                ids |= {t.get("TrackedClusterId") for t in targets.get("Targets", [])}
                if ids & names:
                    found.append((proxy["DBProxyName"], proxy.get("Status", "")))
    return found


def database_classes(rds: Any, kind: str, identifier: str) -> list[str]:
    """The instance class of each instance of the cluster or instance IDENTIFIER."""
    with aws_errors(f"describe the instances of {identifier}"):
        if kind == "instance":
            found = rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"]
        else:
            found = rds.describe_db_instances(
                Filters=[{"Name": "db-cluster-id", "Values": [identifier]}]
            )["DBInstances"]
    return [i["DBInstanceClass"] for i in found]


def classes_behind(rds: Any, targets: list[TargetHealth]) -> list[str]:
    """The instance class of each database instance behind a proxy's TARGETS, once each:
    a tracked cluster counts all its instances (they are what the proxy bills by)."""
    clusters = {t.target for t in targets if t.type == "TRACKED_CLUSTER"}
    clusters |= {t.cluster for t in targets if t.cluster}
    found: dict[str, str] = {}
    with aws_errors("describe the database instances behind the proxy"):
        for cluster in sorted(clusters):
            answer = rds.describe_db_instances(
                Filters=[{"Name": "db-cluster-id", "Values": [cluster]}]
            )
            found |= {
                i["DBInstanceIdentifier"]: i["DBInstanceClass"] for i in answer["DBInstances"]
            }
        for t in targets:
            if t.type == "RDS_INSTANCE" and t.target not in found:
                item = rds.describe_db_instances(DBInstanceIdentifier=t.target)["DBInstances"][0]
                found[t.target] = item["DBInstanceClass"]
    return [found[k] for k in sorted(found)]
