"""The AWS reads behind `proxyctl check`'s control-plane findings, done once.

Reads that the caller may be refused (IAM, a secret's value, a KMS key) are kept as
`read_error` so that the checks can say what they could not see; the proxy itself must
be readable.
"""

from __future__ import annotations

from proxyctl.aws import databases, groups, proxies, roles, secrets, subnets
from proxyctl.aws.clients import Clients
from proxyctl.check.facts import DatabaseFacts, ProxyFacts, RoleFacts, SecretFacts
from proxyctl.errors import AwsRefusedError, NotFoundError, ProxyctlError
from proxyctl.model.database import Database
from proxyctl.model.iam import Role
from proxyctl.model.proxy import Proxy, registered_databases, with_health

AWS_MANAGED_SECRETS_KEY = "alias/aws/secretsmanager"


def read_proxy_facts(c: Clients, proxy: Proxy | str) -> ProxyFacts:
    """Everything the control-plane checks need about PROXY (one already read, so that
    DescribeDBProxies runs once, or its name).

    Raises NotFoundError (listing the region's proxies) when there is no such proxy.
    """
    if isinstance(proxy, str):
        proxy = proxies.describe_proxy(c.rds, proxy, c.region)
    targets = proxies.read_targets(c.rds, proxy.name)
    found = [_database(c, ident, kind) for ident, kind in registered_databases(targets)]
    wanted = list(proxy.security_groups) + [g for d in found for g in d.security_groups]
    seen = groups.read_groups(c, wanted, missing_ok=True)
    return ProxyFacts(
        proxy=proxy,
        region=c.region,
        subnets=subnets.read_subnets(c, list(proxy.subnets), missing_ok=True),
        targets=with_health(targets),
        secrets=[_secret(c, arn) for arn in proxy.secret_arns],
        role=_role(c, proxy.role_arn) if proxy.role_arn else None,
        databases=found,
        rules={g.id: list(g.rules) for g in seen},
        missing_groups=[g for g in dict.fromkeys(wanted) if g not in {s.id for s in seen}],
    )


def database_facts(identifier: str, kind: str, db: Database | None) -> DatabaseFacts:
    if db is None:
        return DatabaseFacts(identifier, kind, found=False)
    groups = list(db.security_groups)
    return DatabaseFacts(identifier, kind, True, db.status, db.port, groups)


def _database(c: Clients, identifier: str, kind: str) -> DatabaseFacts:
    return database_facts(identifier, kind, databases.read_database(c, identifier, kind))


def _refused(exc: ProxyctlError) -> str:
    return exc.message.removeprefix("AWS refused to ")


def _secret(c: Clients, arn: str) -> SecretFacts:
    try:
        secret = secrets.read_secret(c, arn)
    except AwsRefusedError as exc:
        return SecretFacts(arn, exists=None, read_error=_refused(exc))
    if secret is None:
        return SecretFacts(arn, exists=False)
    facts = SecretFacts(secret.arn, exists=True, scheduled_for_deletion=secret.scheduled_deletion)
    if not facts.scheduled_for_deletion:
        _read_value(c, facts)
    if secret.kms_key_id:
        _read_key(c, facts, secret.kms_key_id)
    return facts


def _read_value(c: Clients, facts: SecretFacts) -> None:
    try:
        shape = secrets.secret_shape(c, facts.arn)
    except (AwsRefusedError, NotFoundError) as exc:
        facts.read_error = _refused(exc)
        return
    facts.is_json = shape.is_json
    facts.has_username, facts.has_password = shape.has_username, shape.has_password
    facts.username = shape.username


def _read_key(c: Clients, facts: SecretFacts, key_id: str) -> None:
    facts.kms_key_id = key_id
    if key_id.endswith(AWS_MANAGED_SECRETS_KEY):
        facts.customer_managed_key = False  # also what moto would get wrong
        return
    try:
        key = secrets.read_kms_key(c, key_id, policy=True)
    except (AwsRefusedError, NotFoundError):
        return  # customer_managed_key stays None: unknown
    facts.kms_key_arn, facts.customer_managed_key = key.arn, key.customer_managed
    facts.key_policy = key.policy


def role_facts(arn: str, role: Role) -> RoleFacts:
    return RoleFacts(
        arn=role.arn or arn,
        name=role.name,
        exists=True,
        trusts_rds=role.trusts_rds,
        inline=dict(role.inline),
        managed=dict(role.managed),
    )


def _role(c: Clients, arn: str) -> RoleFacts:
    name = arn.rsplit("/", 1)[-1]  # GetRole takes the name, without the role's path
    try:
        role = roles.read_role(c, name)
    except AwsRefusedError as exc:
        return RoleFacts(arn, name, exists=True, read_error=_refused(exc))
    if role is None:
        return RoleFacts(arn, name, exists=False)
    try:
        role = roles.with_policies(c, role, inline=True, managed=True)
    except (AwsRefusedError, NotFoundError) as exc:  # NotFound: one went while reading
        facts = role_facts(arn, role)
        facts.policy_error = _refused(exc)
        return facts
    return role_facts(arn, role)
