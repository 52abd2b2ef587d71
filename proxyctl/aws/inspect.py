"""The AWS reads behind `proxyctl check`'s control-plane findings, done once.

Reads that the caller may be refused (IAM, a secret's value, a KMS key) are kept
as `read_error` so that the checks can say what they could not see; the proxy
itself must be readable.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from proxyctl.aws.clients import Clients
from proxyctl.aws.errors import aws_errors
from proxyctl.aws.proxies import describe_proxy
from proxyctl.check.facts import (
    AuthItem,
    DatabaseFacts,
    PortRule,
    ProxyFacts,
    RoleFacts,
    SecretFacts,
    SubnetFacts,
)
from proxyctl.errors import AwsRefusedError, NotFoundError, ProxyctlError
from proxyctl.provision.health import targets_from_api
from proxyctl.provision.model import POSTGRES_PORT
from proxyctl.provision.policies import trusts_rds

__all__ = ["ProxyFacts", "read_proxy_facts"]
AWS_MANAGED_SECRETS_KEY = "alias/aws/secretsmanager"


def read_proxy_facts(c: Clients, name: str) -> ProxyFacts:
    """Everything the control-plane checks need about the proxy NAME.

    Raises NotFoundError (listing the region's proxies) when there is no such proxy.
    """
    item = _proxy_item(c, name)
    with aws_errors(f"describe the targets of the RDS proxy {name}"):
        targets = c.rds.describe_db_proxy_targets(DBProxyName=name)["Targets"]
    auth = [_auth_item(a) for a in item.get("Auth", [])]
    proxy_groups = list(item.get("VpcSecurityGroupIds", []))
    databases = [_database(c, ident, kind) for ident, kind in _target_databases(targets)]
    rules, missing = _group_rules(
        c, proxy_groups + [g for d in databases for g in d.security_groups]
    )
    role_arn = item.get("RoleArn", "")
    return ProxyFacts(
        name=name,
        arn=item.get("DBProxyArn", ""),
        region=c.region,
        status=item.get("Status", "unknown"),
        require_tls=bool(item.get("RequireTLS", False)),
        auth=auth,
        role_arn=role_arn,
        vpc_id=item.get("VpcId", ""),
        subnets=_subnets(c, list(item.get("VpcSubnetIds", []))),
        security_groups=proxy_groups,
        targets=targets_from_api(targets),
        secrets=[_secret(c, a.secret_arn) for a in auth if a.secret_arn],
        role=_role(c, role_arn) if role_arn else None,
        databases=databases,
        rules=rules,
        missing_groups=missing,
        default_auth_scheme=item.get("DefaultAuthScheme"),
    )


def _auth_item(a: dict[str, Any]) -> AuthItem:
    return AuthItem(
        secret_arn=a.get("SecretArn"),
        iam_auth=a.get("IAMAuth", "DISABLED"),
        scheme=a.get("AuthScheme", "SECRETS"),
        client_password_auth=a.get("ClientPasswordAuthType"),
        description=a.get("Description"),
    )


def _proxy_item(c: Clients, name: str) -> dict[str, Any]:
    try:
        with aws_errors(f"describe the RDS proxy {name}"):
            found = c.rds.describe_db_proxies(DBProxyName=name)["DBProxies"]
    except NotFoundError:
        found = []
    if not found:
        describe_proxy(c.rds, name, c.region)  # raises NotFoundError listing the proxies
        raise NotFoundError(f"--proxy: no RDS proxy named {name!r}.", field="--proxy")
    return dict(found[0])


def _target_databases(targets: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(identifier, "cluster" | "instance") of each database behind the targets, once."""
    seen: dict[str, str] = {}
    for t in targets:
        cluster = t.get("TrackedClusterId") or (
            t.get("RdsResourceId") if t.get("Type") == "TRACKED_CLUSTER" else None
        )
        if cluster:
            seen.setdefault(cluster, "cluster")
        elif t.get("Type") == "RDS_INSTANCE" and t.get("RdsResourceId"):
            seen.setdefault(t["RdsResourceId"], "instance")
    return list(seen.items())


def _database(c: Clients, identifier: str, kind: str) -> DatabaseFacts:
    try:
        with aws_errors(f"describe the database {identifier}"):
            if kind == "cluster":
                item = c.rds.describe_db_clusters(DBClusterIdentifier=identifier)["DBClusters"][0]
                port, status = item.get("Port"), item.get("Status", "")
            else:
                item = c.rds.describe_db_instances(DBInstanceIdentifier=identifier)
                item = item["DBInstances"][0]
                port = (item.get("Endpoint") or {}).get("Port")
                status = item.get("DBInstanceStatus", "")
    except NotFoundError:
        return DatabaseFacts(identifier, kind, found=False)
    return DatabaseFacts(
        identifier,
        kind,
        found=True,
        status=status,
        port=int(port or POSTGRES_PORT),
        security_groups=[g["VpcSecurityGroupId"] for g in item.get("VpcSecurityGroups", [])],
    )


def _subnets(c: Clients, ids: list[str]) -> list[SubnetFacts]:
    """The proxy's subnets with their AZ and CIDR; one that is gone has neither."""
    found: dict[str, dict[str, Any]] = {}
    if not ids:
        return []
    try:
        with aws_errors("describe the proxy's subnets"):
            found = {s["SubnetId"]: s for s in c.ec2.describe_subnets(SubnetIds=ids)["Subnets"]}
    except NotFoundError:  # one is gone: find out which, one at a time
        for subnet in ids:
            try:
                with aws_errors(f"describe the subnet {subnet}"):
                    found[subnet] = c.ec2.describe_subnets(SubnetIds=[subnet])["Subnets"][0]
            except NotFoundError:
                continue
    return [
        SubnetFacts(
            i, found.get(i, {}).get("AvailabilityZone", ""), found.get(i, {}).get("CidrBlock")
        )
        for i in ids
    ]


def _rules_of(group: dict[str, Any]) -> list[PortRule]:
    rules = []
    for perm in group.get("IpPermissions", []):
        base = {
            "group_id": group["GroupId"],
            "protocol": str(perm.get("IpProtocol", "")),
            "from_port": perm.get("FromPort"),
            "to_port": perm.get("ToPort"),
        }
        rules += [
            PortRule(**base, source_group=p["GroupId"]) for p in perm.get("UserIdGroupPairs", [])
        ]
        rules += [PortRule(**base, cidr=r["CidrIp"]) for r in perm.get("IpRanges", [])]
        rules += [PortRule(**base, cidr=r["CidrIpv6"]) for r in perm.get("Ipv6Ranges", [])]
    return rules


def _group_rules(c: Clients, ids: list[str]) -> tuple[dict[str, list[PortRule]], list[str]]:
    """Inbound rules by group id, and the ids of groups that do not exist."""
    wanted = list(dict.fromkeys(ids))
    groups: list[dict[str, Any]] = []
    missing: list[str] = []
    try:
        with aws_errors("describe security groups"):
            groups = (
                c.ec2.describe_security_groups(GroupIds=wanted)["SecurityGroups"] if wanted else []
            )
    except NotFoundError:  # one is gone: find out which, one at a time
        for gid in wanted:
            try:
                with aws_errors(f"describe the security group {gid}"):
                    groups += c.ec2.describe_security_groups(GroupIds=[gid])["SecurityGroups"]
            except NotFoundError:
                missing.append(gid)
    return {g["GroupId"]: _rules_of(g) for g in groups}, missing


def _document(value: Any) -> dict[str, Any]:
    """IAM returns policy documents URL-encoded; boto3 sometimes decodes them already."""
    if isinstance(value, str):
        return dict(json.loads(unquote(value)))
    return dict(value)


def _refused(exc: ProxyctlError) -> str:
    return exc.message.removeprefix("AWS refused to ")


def _secret(c: Clients, arn: str) -> SecretFacts:
    try:
        with aws_errors(f"describe the secret {arn}"):
            meta = c.secrets.describe_secret(SecretId=arn)
    except NotFoundError:
        return SecretFacts(arn, exists=False)
    except AwsRefusedError as exc:
        return SecretFacts(arn, exists=None, read_error=_refused(exc))
    facts = SecretFacts(
        meta.get("ARN", arn), exists=True, scheduled_for_deletion=bool(meta.get("DeletedDate"))
    )
    if not facts.scheduled_for_deletion:
        _read_value(c, facts)
    if meta.get("KmsKeyId"):
        _read_key(c, facts, meta["KmsKeyId"])
    return facts


def _read_value(c: Clients, facts: SecretFacts) -> None:
    """Whether the value is JSON with username and password; the value itself is dropped."""
    try:
        with aws_errors(f"read the secret {facts.arn}"):
            text = c.secrets.get_secret_value(SecretId=facts.arn).get("SecretString")
    except (AwsRefusedError, NotFoundError) as exc:
        facts.read_error = _refused(exc)
        return
    try:
        value = json.loads(text or "")
    except ValueError:
        value = None
    facts.is_json = isinstance(value, dict)
    if isinstance(value, dict):
        facts.has_username = bool(value.get("username"))
        facts.has_password = bool(value.get("password"))
        username = value.get("username")
        facts.username = username if isinstance(username, str) else None


def _read_key(c: Clients, facts: SecretFacts, key_id: str) -> None:
    facts.kms_key_id = key_id
    if key_id.endswith(AWS_MANAGED_SECRETS_KEY):
        facts.customer_managed_key = False  # also what moto would get wrong
        return
    try:
        with aws_errors(f"describe the KMS key {key_id}"):
            meta = c.kms.describe_key(KeyId=key_id)["KeyMetadata"]
    except (AwsRefusedError, NotFoundError):
        return  # customer_managed_key stays None: unknown
    facts.kms_key_arn = meta.get("Arn")
    facts.customer_managed_key = meta.get("KeyManager") != "AWS"
    if not facts.customer_managed_key:
        return
    try:
        with aws_errors(f"read the policy of the KMS key {key_id}"):
            policy = c.kms.get_key_policy(KeyId=meta["KeyId"], PolicyName="default")["Policy"]
        facts.key_policy = _document(policy)
    except (AwsRefusedError, NotFoundError, ValueError):
        facts.key_policy = None


def _role(c: Clients, arn: str) -> RoleFacts:
    name = arn.rsplit("/", 1)[-1]  # GetRole takes the name, without the role's path
    try:
        with aws_errors(f"read the IAM role {name}"):
            role = c.iam.get_role(RoleName=name)["Role"]
    except NotFoundError:
        return RoleFacts(arn, name, exists=False)
    except AwsRefusedError as exc:
        return RoleFacts(arn, name, exists=True, read_error=_refused(exc))
    facts = RoleFacts(
        arn=role.get("Arn", arn),
        name=name,
        exists=True,
        trusts_rds=trusts_rds(_document(role.get("AssumeRolePolicyDocument", {}))),
    )
    try:
        with aws_errors(f"read the policies of the IAM role {name}"):
            facts.inline = _inline_policies(c, name)
            facts.managed = _managed_policies(c, name)
    except (AwsRefusedError, NotFoundError) as exc:  # NotFound: one went while reading
        facts.policy_error = _refused(exc)
    return facts


def _inline_policies(c: Clients, role: str) -> dict[str, dict[str, Any]]:
    pages = c.iam.get_paginator("list_role_policies").paginate(RoleName=role)
    names = [n for page in pages for n in page["PolicyNames"]]
    return {
        n: _document(c.iam.get_role_policy(RoleName=role, PolicyName=n)["PolicyDocument"])
        for n in names
    }


def _managed_policies(c: Clients, role: str) -> dict[str, dict[str, Any]]:
    """Attached managed policies: ARN -> the document of the default version."""
    pages = c.iam.get_paginator("list_attached_role_policies").paginate(RoleName=role)
    documents = {}
    for arn in [p["PolicyArn"] for page in pages for p in page["AttachedPolicies"]]:
        version = c.iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
        found = c.iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]
        documents[arn] = _document(found["Document"])
    return documents
