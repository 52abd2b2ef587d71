"""Spec + Discovery -> Plan: the ordered steps `init` takes, computed without AWS.

Every step says what it creates and how it is undone. What already exists is
reused, so a second run with the same spec plans nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, ClassVar

from proxyctl.errors import UsageError
from proxyctl.provision import policies
from proxyctl.provision.model import POSTGRES_PORT, Discovery, IngressRule
from proxyctl.provision.spec import Spec

TARGET_GROUP = "default"


@dataclass
class Ref:
    """A value that an earlier step of the same run produces (an ARN, a group id)."""

    step: str
    key: str


@dataclass
class Step:
    id: str
    action: str
    summary: str
    undo: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Plan:
    KIND: ClassVar[str] = "plan"
    proxy: str
    database: str
    steps: list[Step]
    reused: list[str]
    warnings: list[str]

    def text(self) -> str:
        lines = [f"Plan for RDS Proxy {self.proxy} in front of {self.database}:"]
        if not self.steps:
            lines.append("  nothing to do: everything in the spec already exists.")
        for number, step in enumerate(self.steps, 1):
            lines.append(f"  {number:>2}. {step.summary}")
            lines.append(f"      undo: {step.undo}")
        lines += [f"  reuse: {item}" for item in self.reused]
        lines += [f"  warning: {item}" for item in self.warnings]
        return "\n".join(lines) + "\n"


def _tags(spec: Spec) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in spec.all_tags().items()]


def preflight(spec: Spec, found: Discovery) -> None:
    """What would make apply fail half-way, refused before anything is created."""
    azs = {s.az for s in found.subnets}
    if len(azs) < 2:
        where = ", ".join(sorted(azs)) or "no subnets"
        raise UsageError(
            f"--subnet: the proxy's subnets span one availability zone ({where}).",
            hint="RDS Proxy needs subnets in at least two AZs of the database's VPC: "
            "add --subnet for another AZ, or give the database a wider subnet group.",
            field="--subnet",
        )
    proxy = found.proxy
    if proxy is not None and proxy.stack != spec.name:
        raise UsageError(
            f"--name: a proxy named {spec.name!r} already exists and proxyctl init did not "
            "create it.",
            hint="Choose another --name.",
            field="--name",
        )
    if spec.secret == "managed" and not found.database.managed_secret_arn:
        raise UsageError(
            f"--secret managed: {found.database.identifier} has no RDS-managed master secret.",
            hint="Use --secret existing --secret-arn ARN, or --secret new --db-user USER.",
            field="--secret",
        )
    role = found.role
    if spec.role_arn is not None and role is not None and not role.trusts_rds:
        raise UsageError(
            f"--role-arn: {role.name} does not trust rds.amazonaws.com.",
            hint="Add rds.amazonaws.com to the role's trust policy (sts:AssumeRole), or "
            "leave out --role-arn and let init create a role.",
            field="--role-arn",
        )
    if spec.role_arn is None and role is not None and role.stack != spec.name:
        raise UsageError(
            f"--name: an IAM role {role.name} already exists and proxyctl init did not create it.",
            hint="Choose another --name, or pass that role with --role-arn.",
            field="--name",
        )


def build_plan(spec: Spec, found: Discovery) -> Plan:
    preflight(spec, found)
    plan = Plan(spec.name, found.database.label, [], [], [])
    secret_arn = _plan_secret(spec, found, plan)
    role_arn = _plan_role(spec, found, plan, secret_arn)
    groups = _plan_groups(spec, found, plan)
    _plan_proxy(spec, found, plan, secret_arn, role_arn, groups)
    return plan


def _plan_secret(spec: Spec, found: Discovery, plan: Plan) -> str | Ref:
    if spec.secret == "managed":
        plan.reused.append(f"RDS-managed secret {found.database.managed_secret_arn}")
        return str(found.database.managed_secret_arn)
    if spec.secret == "existing":
        plan.reused.append(f"secret {spec.secret_arn}")
        return str(spec.secret_arn)
    if found.new_secret_arn:
        plan.reused.append(f"secret {found.new_secret_arn} (made by an earlier init)")
        return found.new_secret_arn
    db = found.database
    value = {"username": spec.db_user, "engine": "postgres", "host": db.endpoint, "port": db.port}
    value["dbClusterIdentifier" if db.kind == "cluster" else "dbInstanceIdentifier"] = db.identifier
    plan.steps.append(
        Step(
            "secret",
            "create_secret",
            f"create secret {policies.secret_name(spec)} for database user {spec.db_user}",
            "delete the secret at once",
            {
                "Name": policies.secret_name(spec),
                "Description": f"RDS Proxy {spec.name}: credentials of {spec.db_user}",
                "SecretFields": value,  # the password joins these at apply time only
                "Tags": _tags(spec),
            },
        )
    )
    return Ref("secret", "ARN")


def _plan_role(spec: Spec, found: Discovery, plan: Plan, secret_arn: str | Ref) -> str | Ref:
    role = found.role
    if spec.role_arn is not None:
        plan.reused.append(f"IAM role {spec.role_arn}")
        if role is not None and not _policies_mention(role.policies, secret_arn):
            plan.warnings.append(
                f"no inline policy of {role.name} names the secret: make sure the role may "
                "call secretsmanager:GetSecretValue on it (managed policies were not checked)."
            )
        return spec.role_arn
    name = policies.role_name(spec)
    desired = policies.secrets_policy(
        [secret_arn] if isinstance(secret_arn, str) else [],
        policies.kms_keys_for(found.secret),
        found.region,
    )
    if isinstance(secret_arn, Ref):
        desired["Statement"][0]["Resource"] = [secret_arn]
    if role is None:
        plan.steps.append(
            Step(
                "role",
                "create_role",
                f"create IAM role {name} trusted by rds.amazonaws.com",
                "delete the role",
                {
                    "RoleName": name,
                    "AssumeRolePolicyDocument": json.dumps(policies.trust_policy()),
                    "Description": f"Lets RDS Proxy {spec.name} read its secrets",
                    "Tags": _tags(spec),
                },
            )
        )
        role_arn: str | Ref = Ref("role", "Arn")
    else:
        plan.reused.append(f"IAM role {role.arn}")
        role_arn = role.arn
    if role is None or role.policies.get(policies.SECRETS_POLICY_NAME) != desired:
        reads = "the secret" + (
            " and kms:Decrypt via Secrets Manager" if len(desired["Statement"]) > 1 else ""
        )
        plan.steps.append(
            Step(
                "role-policy",
                "put_role_policy",
                f"allow {name} secretsmanager:GetSecretValue on {reads}",
                "remove the inline policy",
                {
                    "RoleName": name,
                    "PolicyName": policies.SECRETS_POLICY_NAME,
                    "PolicyDocument": desired,
                },
            )
        )
    return role_arn


def _policies_mention(documents: dict[str, Any], arn: str | Ref) -> bool:
    return isinstance(arn, str) and any(arn in json.dumps(doc) for doc in documents.values())


def _permission(
    source_group: str | Ref | None = None,
    cidr: str | None = None,
    note: str = "",
    port: int = POSTGRES_PORT,
) -> dict[str, Any]:
    """TCP to PORT from a group or a CIDR (the proxy listens on 5432; databases may not)."""
    perm: dict[str, Any] = {"IpProtocol": "tcp", "FromPort": port, "ToPort": port}
    if source_group is not None:
        perm["UserIdGroupPairs"] = [{"GroupId": source_group, "Description": note}]
    if cidr is not None:
        perm["IpRanges"] = [{"CidrIp": cidr, "Description": note}]
    return perm


def _allowed(
    rules: list[IngressRule], group: str, source: str | None = None, cidr: str | None = None
) -> bool:
    """Whether GROUP already lets SOURCE (a group) or CIDR in."""
    if source is not None:
        return any(r.group_id == group and r.source_group == source for r in rules)
    return any(r.group_id == group and r.cidr == cidr for r in rules)


def _plan_groups(spec: Spec, found: Discovery, plan: Plan) -> list[str | Ref]:
    """The proxy's security groups, and rules on both sides for port 5432."""
    note = policies.rule_description(spec)
    if spec.security_groups:
        plan.reused += [f"security group {g}" for g in spec.security_groups]
        proxy_groups: list[str | Ref] = list(spec.security_groups)
    elif found.proxy_group:
        plan.reused.append(f"security group {found.proxy_group}")
        proxy_groups = [found.proxy_group]
    else:
        plan.steps.append(
            Step(
                "proxy-group",
                "create_security_group",
                f"create security group {policies.group_name(spec)} in {found.database.vpc_id}",
                "delete the security group",
                {
                    "GroupName": policies.group_name(spec),
                    "Description": f"RDS Proxy {spec.name} (proxyctl)",
                    "VpcId": found.database.vpc_id,
                    "TagSpecifications": [{"ResourceType": "security-group", "Tags": _tags(spec)}],
                },
            )
        )
        proxy_groups = [Ref("proxy-group", "GroupId")]
    if not spec.security_groups:
        _plan_client_rules(spec, found, plan, proxy_groups[0], note)
    for db_group in found.database.security_groups:
        for source in proxy_groups:
            rules = [r for r in found.rules if r.port == found.database.port]
            if isinstance(source, str) and _allowed(rules, db_group, source=source):
                continue
            shown = source if isinstance(source, str) else "the proxy's group"
            plan.steps.append(
                Step(
                    f"db-rule-{db_group}",
                    "authorize_ingress",
                    f"allow {found.database.port} on the database's group {db_group} from {shown}",
                    "revoke that rule",
                    {
                        "GroupId": db_group,
                        "IpPermissions": [
                            _permission(source_group=source, note=note, port=found.database.port)
                        ],
                    },
                )
            )
    return proxy_groups


def _plan_client_rules(
    spec: Spec, found: Discovery, plan: Plan, group: str | Ref, note: str
) -> None:
    existing = found.rules if isinstance(group, str) else []
    perms, shown = [], []
    for sg in spec.allow_sg:
        if not (isinstance(group, str) and _allowed(existing, group, source=sg)):
            perms.append(_permission(source_group=sg, note=note))
            shown.append(sg)
    for cidr in spec.allow_cidr:
        if not (isinstance(group, str) and _allowed(existing, group, cidr=cidr)):
            perms.append(_permission(cidr=cidr, note=note))
            shown.append(cidr)
    if perms:
        plan.steps.append(
            Step(
                "proxy-rules",
                "authorize_ingress",
                f"allow 5432 on the proxy's group from {', '.join(shown)}",
                "revoke those rules",
                {"GroupId": group, "IpPermissions": perms},
            )
        )
    elif not spec.allow_sg and not spec.allow_cidr:
        plan.warnings.append("no --allow-sg or --allow-cidr: no client can reach the proxy yet.")


def _pool(spec: Spec) -> dict[str, Any]:
    pool: dict[str, Any] = {
        "MaxConnectionsPercent": spec.max_connections_percent,
        "MaxIdleConnectionsPercent": spec.max_idle_connections_percent,
        "ConnectionBorrowTimeout": spec.connection_borrow_timeout,
    }
    if spec.init_query is not None:
        pool["InitQuery"] = spec.init_query
    return pool


def _plan_proxy(
    spec: Spec,
    found: Discovery,
    plan: Plan,
    secret_arn: str | Ref,
    role_arn: str | Ref,
    groups: list[str | Ref],
) -> None:
    db, proxy = found.database, found.proxy
    tls = "required" if spec.require_tls else "optional"
    if proxy is None:
        plan.steps.append(
            Step(
                "proxy",
                "create_proxy",
                f"create RDS Proxy {spec.name} (TLS {tls}, IAM auth {spec.iam_auth}, "
                f"{spec.client_password_auth.upper()})",
                "delete the proxy and wait until it is gone",
                {
                    "DBProxyName": spec.name,
                    "EngineFamily": "POSTGRESQL",
                    "Auth": [
                        {
                            "AuthScheme": "SECRETS",
                            "SecretArn": secret_arn,
                            "IAMAuth": spec.iam_auth,
                            "ClientPasswordAuthType": spec.client_auth_type,
                            "Description": f"proxyctl {spec.name}",
                        }
                    ],
                    "RoleArn": role_arn,
                    "VpcSubnetIds": [s.id for s in found.subnets],
                    "VpcSecurityGroupIds": groups,
                    "RequireTLS": spec.require_tls,
                    "IdleClientTimeout": spec.idle_client_timeout,
                    "DebugLogging": spec.debug_logging,
                    "Tags": _tags(spec),
                },
            )
        )
    else:
        plan.reused.append(f"RDS Proxy {proxy.name} ({proxy.status})")
    pool = _pool(spec)
    current = {k: proxy.pool.get(k) for k in pool} if proxy is not None else {}
    if current != pool:
        plan.steps.append(
            Step(
                "pool",
                "modify_pool",
                "set the pool: max connections {MaxConnectionsPercent}%, max idle "
                "{MaxIdleConnectionsPercent}%, borrow timeout {ConnectionBorrowTimeout} s".format(
                    **pool
                ),
                "put the previous pool settings back",
                {
                    "DBProxyName": spec.name,
                    "TargetGroupName": TARGET_GROUP,
                    "ConnectionPoolConfig": pool,
                },
            )
        )
    if proxy is None or db.identifier not in proxy.targets:
        key = "DBClusterIdentifiers" if db.kind == "cluster" else "DBInstanceIdentifiers"
        plan.steps.append(
            Step(
                "targets",
                "register_targets",
                f"register {db.identifier} as the proxy's target (retrying while it is busy)",
                "deregister it",
                {"DBProxyName": spec.name, "TargetGroupName": TARGET_GROUP, key: [db.identifier]},
            )
        )
