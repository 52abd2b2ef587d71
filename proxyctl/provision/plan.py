"""Spec + Discovery -> Plan: the ordered steps `init` takes, computed without AWS.

Every step says what it creates and how it is undone. What already exists is
reused, so a second run with the same spec plans nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from proxyctl.model.proxy import Proxy
from proxyctl.provision import drift, policies
from proxyctl.provision.model import Discovery
from proxyctl.provision.network import plan_groups
from proxyctl.provision.preflight import preflight
from proxyctl.provision.spec import Spec
from proxyctl.provision.steps import Plan, Ref, Step, tags

__all__ = ["Plan", "Ref", "Step", "build_plan", "preflight"]

TARGET_GROUP = "default"


def build_plan(spec: Spec, found: Discovery) -> Plan:
    preflight(spec, found)
    plan = Plan(spec.name, found.database.label, [], [], [], spec.risks(found.database.vpc_cidr))
    secret_arn = _plan_secret(spec, found, plan)
    role_arn = _plan_role(spec, found, plan, secret_arn)
    groups = plan_groups(spec, found, plan)
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
                "Tags": tags(spec),
            },
        )
    )
    return Ref("secret", "ARN")


def _plan_role(spec: Spec, found: Discovery, plan: Plan, secret_arn: str | Ref) -> str | Ref:
    role = found.role
    if spec.role_arn is not None:
        plan.reused.append(f"IAM role {spec.role_arn}")
        if role is not None and not _policies_mention(role.inline, secret_arn):
            plan.warnings.append(
                f"no inline policy of {role.name} names the secret: make sure the role may "
                "call secretsmanager:GetSecretValue on it (managed policies were not checked)."
            )
        return spec.role_arn
    name = policies.role_name(spec)
    desired = policies.secrets_policy(
        [secret_arn] if isinstance(secret_arn, str) else [],
        policies.kms_keys_for(found.secret_key),
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
                    "Tags": tags(spec),
                },
            )
        )
        role_arn: str | Ref = Ref("role", "Arn")
    else:
        plan.reused.append(f"IAM role {role.arn}")
        role_arn = role.arn
    if role is None or role.inline.get(policies.SECRETS_POLICY_NAME) != desired:
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


def _policies_mention(documents: Mapping[str, Any], arn: str | Ref) -> bool:
    return isinstance(arn, str) and any(arn in json.dumps(doc) for doc in documents.values())


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
    if proxy is None:
        plan.steps.append(_create_proxy(spec, found, secret_arn, role_arn, groups))
    else:
        plan.reused.append(f"RDS Proxy {proxy.name} ({proxy.status})")
        _plan_proxy_changes(spec, plan, proxy, secret_arn, role_arn, groups)
    _plan_pool(spec, plan, proxy, found.proxy_pool)
    if proxy is None or db.identifier not in found.proxy_targets:
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


def _create_proxy(
    spec: Spec, found: Discovery, secret_arn: str | Ref, role_arn: str | Ref, groups: list[Any]
) -> Step:
    tls = "required" if spec.require_tls else "optional"
    return Step(
        "proxy",
        "create_proxy",
        f"create RDS Proxy {spec.name} (TLS {tls}, IAM auth {spec.iam_auth}, "
        f"{spec.client_password_auth.upper()})",
        "delete the proxy and wait until it is gone",
        {
            "DBProxyName": spec.name,
            "EngineFamily": drift.ENGINE_FAMILY,
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
            "Tags": tags(spec),
        },
    )


def _plan_proxy_changes(
    spec: Spec,
    plan: Plan,
    proxy: Proxy,
    secret_arn: str | Ref,
    role_arn: str | Ref,
    groups: list[str | Ref],
) -> None:
    """ModifyDBProxy for what differs from the spec (fixed settings were refused earlier)."""
    differences, params = drift.proxy_changes(spec, proxy, secret_arn, role_arn, groups)
    if differences:
        plan.steps.append(
            Step(
                "proxy-settings",
                "modify_proxy",
                f"change the settings of RDS Proxy {proxy.name}",
                "put the previous settings back",
                {"DBProxyName": proxy.name, **params},
                [d.line() for d in differences],
            )
        )


def _plan_pool(spec: Spec, plan: Plan, proxy: Proxy | None, now: dict[str, Any]) -> None:
    pool = _pool(spec)
    current = {k: now.get(k) for k in pool} if proxy is not None else {}
    if current == pool:
        return
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
            [d.line() for d in drift.pool_changes(current, pool)] if proxy is not None else [],
        )
    )
