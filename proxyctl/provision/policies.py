"""Names and IAM documents for what `init` makes: pure functions of the spec."""

from __future__ import annotations

from typing import Any

from proxyctl.provision.model import SecretInfo
from proxyctl.provision.spec import Spec

SECRETS_POLICY_NAME = "proxyctl-secrets"
IAM_NAME_MAX = 64


def role_name(spec: Spec) -> str:
    suffix = "-rds-proxy"
    return spec.name[: IAM_NAME_MAX - len(suffix)] + suffix


def group_name(spec: Spec) -> str:
    return f"{spec.name}-rds-proxy"


def secret_name(spec: Spec) -> str:
    return f"proxyctl/{spec.name}/{spec.db_user}"


def rule_description(spec: Spec) -> str:
    return f"proxyctl {spec.name}: PostgreSQL from RDS Proxy"


def trust_policy() -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "rds.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }


def trusts_rds(document: dict[str, Any]) -> bool:
    """Whether a trust policy lets rds.amazonaws.com assume the role."""
    statements = document.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    for statement in statements:
        if statement.get("Effect") != "Allow":
            continue
        actions = statement.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        services = statement.get("Principal", {}).get("Service", [])
        services = [services] if isinstance(services, str) else services
        if "sts:AssumeRole" in actions and "rds.amazonaws.com" in services:
            return True
    return False


def secrets_policy(secret_arns: list[str], kms_keys: list[str], region: str) -> dict[str, Any]:
    """GetSecretValue on exactly these secrets; kms:Decrypt through Secrets Manager."""
    statements: list[dict[str, Any]] = [
        {
            "Sid": "ReadProxySecrets",
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": sorted(secret_arns),
        }
    ]
    if kms_keys:
        statements.append(
            {
                "Sid": "DecryptProxySecrets",
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": sorted(kms_keys),
                "Condition": {
                    "StringEquals": {"kms:ViaService": f"secretsmanager.{region}.amazonaws.com"}
                },
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


def kms_keys_for(secret: SecretInfo | None) -> list[str]:
    if secret is None or not secret.kms_key_id or not secret.customer_managed_key:
        return []
    return [secret.kms_key_id]


def connect_resource(partition: str, region: str, account: str, resource_id: str, user: str) -> str:
    """The rds-db:connect resource for a proxy: its prx- id, not the cluster's."""
    return f"arn:{partition}:rds-db:{region}:{account}:dbuser:{resource_id}/{user}"


def connect_policy(resources: list[str]) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ConnectThroughRdsProxy",
                "Effect": "Allow",
                "Action": "rds-db:connect",
                "Resource": resources,
            }
        ],
    }
