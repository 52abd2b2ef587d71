"""Reads of RDS, EC2, IAM and Secrets Manager, returned as provision.model data."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from proxyctl.aws.clients import Clients
from proxyctl.aws.errors import aws_errors
from proxyctl.errors import NotFoundError, UsageError
from proxyctl.provision.model import (
    POSTGRES_PORT,
    Database,
    IngressRule,
    ProxyInfo,
    RoleInfo,
    SecretInfo,
    Subnet,
)
from proxyctl.provision.policies import trusts_rds

STACK_TAG = "proxyctl:stack"


def stack_of(tags: list[dict[str, str]] | None) -> str | None:
    """The proxyctl:stack tag's value: which init run made the resource, if any."""
    return next((t["Value"] for t in tags or [] if t.get("Key") == STACK_TAG), None)


def describe_secret(c: Clients, secret_id: str) -> dict[str, Any] | None:
    """DescribeSecret by ARN or name; None when there is no such secret."""
    try:
        with aws_errors(f"describe the secret {secret_id}"):
            return dict(c.secrets.describe_secret(SecretId=secret_id))
    except NotFoundError:
        return None


def _subnet_group(c: Clients, name: str | None) -> tuple[str, list[Subnet]]:
    if not name:
        return "", []
    with aws_errors(f"describe the DB subnet group {name}"):
        group = c.rds.describe_db_subnet_groups(DBSubnetGroupName=name)["DBSubnetGroups"][0]
    subnets = [
        Subnet(s["SubnetIdentifier"], s.get("SubnetAvailabilityZone", {}).get("Name", ""))
        for s in group.get("Subnets", [])
    ]
    return group.get("VpcId", ""), subnets


def _vpc_cidr(c: Clients, vpc_id: str) -> str | None:
    if not vpc_id:
        return None
    with aws_errors(f"describe the VPC {vpc_id}"):
        vpcs = c.ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"]
    return vpcs[0].get("CidrBlock") if vpcs else None


def _from_cluster(c: Clients, item: dict[str, Any]) -> Database:
    vpc, subnets = _subnet_group(c, item.get("DBSubnetGroup"))
    secret = item.get("MasterUserSecret") or {}
    members = item.get("DBClusterMembers", [])
    return Database(
        identifier=item["DBClusterIdentifier"],
        kind="cluster",
        engine=item.get("Engine", ""),
        status=item.get("Status", ""),
        vpc_id=vpc,
        vpc_cidr=_vpc_cidr(c, vpc),
        subnets=subnets,
        security_groups=[g["VpcSecurityGroupId"] for g in item.get("VpcSecurityGroups", [])],
        iam_auth=bool(item.get("IAMDatabaseAuthenticationEnabled")),
        master_username=item.get("MasterUsername", ""),
        managed_secret_arn=secret.get("SecretArn"),
        managed_secret_kms_key=secret.get("KmsKeyId"),
        endpoint=item.get("Endpoint", ""),
        port=int(item.get("Port") or POSTGRES_PORT),
        writer=next((m["DBInstanceIdentifier"] for m in members if m.get("IsClusterWriter")), None),
        readers=[m["DBInstanceIdentifier"] for m in members if not m.get("IsClusterWriter")],
    )


def _from_instance(c: Clients, item: dict[str, Any]) -> Database:
    group = item.get("DBSubnetGroup") or {}
    vpc, subnets = _subnet_group(c, group.get("DBSubnetGroupName"))
    secret = item.get("MasterUserSecret") or {}
    endpoint = item.get("Endpoint") or {}
    return Database(
        identifier=item["DBInstanceIdentifier"],
        kind="instance",
        engine=item.get("Engine", ""),
        status=item.get("DBInstanceStatus", ""),
        vpc_id=vpc or group.get("VpcId", ""),
        vpc_cidr=_vpc_cidr(c, vpc or group.get("VpcId", "")),
        subnets=subnets,
        security_groups=[g["VpcSecurityGroupId"] for g in item.get("VpcSecurityGroups", [])],
        iam_auth=bool(item.get("IAMDatabaseAuthenticationEnabled")),
        master_username=item.get("MasterUsername", ""),
        managed_secret_arn=secret.get("SecretArn"),
        managed_secret_kms_key=secret.get("KmsKeyId"),
        endpoint=endpoint.get("Address", ""),
        port=int(endpoint.get("Port") or POSTGRES_PORT),
        writer=item["DBInstanceIdentifier"],
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
    found = [_from_cluster(c, item) for item in clusters]
    found += [_from_instance(c, item) for item in instances]
    return sorted(found, key=lambda db: db.identifier)


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


def kms_key(c: Clients, key_id: str | None) -> tuple[str | None, bool]:
    """The key's ARN (IAM policies match ARNs, not bare key ids) and whether a customer
    manages it; no key means the default aws/secretsmanager key."""
    if not key_id:
        return None, False
    try:
        with aws_errors(f"describe the KMS key {key_id}"):
            meta = c.kms.describe_key(KeyId=key_id)["KeyMetadata"]
    except Exception:  # unknown here: grant kms:Decrypt, which is harmless if unneeded
        return key_id, True
    return str(meta.get("Arn") or key_id), bool(meta.get("KeyManager") != "AWS")


def secret_info(c: Clients, arn: str, field: str = "--secret-arn") -> SecretInfo:
    meta = describe_secret(c, arn)
    if meta is None:
        raise NotFoundError(
            f"{field}: no secret {arn!r} in {c.region}.",
            hint="List secrets with `aws secretsmanager list-secrets`.",
            field=field,
        )
    key, customer_managed = kms_key(c, meta.get("KmsKeyId"))
    return SecretInfo(
        arn=meta["ARN"],
        name=meta.get("Name", ""),
        kms_key_id=key,
        customer_managed_key=customer_managed,
        stack=stack_of(meta.get("Tags")),
    )


def check_secret_value(c: Clients, arn: str, field: str = "--secret-arn") -> None:
    """The secret must be JSON with username and password (the value is never shown)."""
    with aws_errors(f"read the secret {arn}"):
        text = c.secrets.get_secret_value(SecretId=arn).get("SecretString")
    try:
        value = json.loads(text or "")
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise UsageError(
            f"{field}: the secret is not JSON.",
            hint='RDS Proxy reads {"username": "...", "password": "..."} from the secret.',
            field=field,
        )
    missing = [k for k in ("username", "password") if not value.get(k)]
    if missing:
        raise UsageError(
            f"{field}: the secret's JSON has no {' or '.join(missing)}.",
            hint='RDS Proxy reads {"username": "...", "password": "..."} from the secret.',
            field=field,
        )


def secret_by_name(c: Clients, name: str) -> tuple[str, str | None] | None:
    """The ARN and proxyctl:stack tag of the secret called NAME, or None; refuses one
    scheduled for deletion."""
    meta = describe_secret(c, name)
    if meta is None:
        return None
    if meta.get("DeletedDate"):
        raise UsageError(
            f"--db-user: the secret {name} is scheduled for deletion, so init cannot make it.",
            hint=f"Restore it (aws secretsmanager restore-secret --secret-id {name}), delete it "
            "at once (aws secretsmanager delete-secret --force-delete-without-recovery), or "
            "choose another --db-user or --name.",
            field="--db-user",
        )
    return str(meta["ARN"]), stack_of(meta.get("Tags"))


def _document(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        return dict(json.loads(unquote(value)))
    return dict(value)


def role_info(c: Clients, name: str) -> RoleInfo | None:
    try:
        with aws_errors(f"read the IAM role {name}"):
            role = c.iam.get_role(RoleName=name)["Role"]
            names = c.iam.list_role_policies(RoleName=name)["PolicyNames"]
            policies = {
                p: _document(c.iam.get_role_policy(RoleName=name, PolicyName=p)["PolicyDocument"])
                for p in names
            }
    except NotFoundError:
        return None
    return RoleInfo(
        arn=role["Arn"],
        name=role["RoleName"],
        trusts_rds=trusts_rds(_document(role.get("AssumeRolePolicyDocument", {}))),
        stack=stack_of(role.get("Tags")),
        policies=policies,
    )


def stack_group(c: Clients, vpc_id: str, name: str) -> tuple[str, str | None] | None:
    """The id and proxyctl:stack tag of the group called NAME in the VPC, or None."""
    with aws_errors("describe security groups"):
        groups = c.ec2.describe_security_groups(
            Filters=[
                {"Name": "vpc-id", "Values": [vpc_id]},
                {"Name": "group-name", "Values": [name]},
            ]
        )["SecurityGroups"]
    return (groups[0]["GroupId"], stack_of(groups[0].get("Tags"))) if groups else None


def ingress_rules(c: Clients, group_ids: list[str], port: int = POSTGRES_PORT) -> list[IngressRule]:
    """The rules on these groups that let TCP traffic reach PORT."""
    if not group_ids:
        return []
    with aws_errors("describe security groups"):
        groups = c.ec2.describe_security_groups(GroupIds=group_ids)["SecurityGroups"]
    rules: list[IngressRule] = []
    for group in groups:
        for perm in group.get("IpPermissions", []):
            protocol = perm.get("IpProtocol")
            low, high = perm.get("FromPort", 0), perm.get("ToPort", 65535)
            if protocol not in ("tcp", "-1", "6") or not (protocol == "-1" or low <= port <= high):
                continue
            gid = group["GroupId"]
            # Only a rule for exactly TCP PORT can be revoked by that description.
            exact = protocol in ("tcp", "6") and low == high == port
            sources = [
                (p.get("Description", ""), {"source_group": p["GroupId"]})
                for p in perm.get("UserIdGroupPairs", [])
            ]
            sources += [
                (r.get("Description", ""), {"cidr": r["CidrIp"]}) for r in perm.get("IpRanges", [])
            ]
            sources += [
                (r.get("Description", ""), {"cidr": r["CidrIpv6"]})
                for r in perm.get("Ipv6Ranges", [])
            ]
            rules += [
                IngressRule(gid, port, **source, exact=exact, description=note)
                for note, source in sources
            ]
    return rules


def proxy_info(c: Clients, name: str) -> ProxyInfo | None:
    try:
        with aws_errors(f"describe the RDS proxy {name}"):
            item = c.rds.describe_db_proxies(DBProxyName=name)["DBProxies"][0]
    except NotFoundError:
        return None
    arn = item["DBProxyArn"]
    with aws_errors(f"read the RDS proxy {name}"):
        tags = c.rds.list_tags_for_resource(ResourceName=arn).get("TagList", [])
        groups = c.rds.describe_db_proxy_target_groups(DBProxyName=name)["TargetGroups"]
        targets = c.rds.describe_db_proxy_targets(DBProxyName=name)["Targets"]
    pool = groups[0].get("ConnectionPoolConfig", {}) if groups else {}
    return ProxyInfo(
        name=name,
        arn=arn,
        endpoint=item.get("Endpoint", ""),
        status=item.get("Status", ""),
        stack=stack_of(tags),
        subnets=list(item.get("VpcSubnetIds", [])),
        security_groups=list(item.get("VpcSecurityGroupIds", [])),
        pool=dict(pool),
        targets=sorted(
            {t.get("TrackedClusterId") or t.get("RdsResourceId", "") for t in targets} - {""}
        ),
        require_tls=item.get("RequireTLS"),
        idle_client_timeout=item.get("IdleClientTimeout"),
        debug_logging=item.get("DebugLogging"),
        auth=[dict(a) for a in item.get("Auth", [])],
        role_arn=item.get("RoleArn", ""),
        engine_family=item.get("EngineFamily", ""),
        vpc_id=item.get("VpcId", ""),
    )
