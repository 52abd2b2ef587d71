"""Names and IAM documents for what `init` makes: pure functions of the spec."""

from __future__ import annotations

from typing import Any

from proxyctl.model.iam import KmsKey, trust_policy
from proxyctl.provision.spec import Spec

SECRETS_POLICY_NAME = "proxyctl-secrets"
IAM_NAME_MAX = 64
__all__ = ["trust_policy"]  # shared with check, which reads it from proxyctl.model.iam


def role_name(spec: Spec) -> str:
    suffix = "-rds-proxy"
    return spec.name[: IAM_NAME_MAX - len(suffix)] + suffix


def group_name(spec: Spec) -> str:
    return f"{spec.name}-rds-proxy"


def secret_name(spec: Spec) -> str:
    return f"proxyctl/{spec.name}/{spec.db_user}"


def rule_description(spec: Spec) -> str:
    return f"proxyctl {spec.name}: PostgreSQL from RDS Proxy"


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


def kms_keys_for(key: KmsKey | None) -> list[str]:
    """The secret's key, when kms:Decrypt must be granted on it (a customer's key)."""
    return [key.arn] if key is not None and key.customer_managed else []


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
