"""Read what planning needs for one spec: the database, the secret, and the stack so far."""

from __future__ import annotations

from proxyctl.aws import groups, proxies, roles, secrets, subnets
from proxyctl.aws.clients import Clients
from proxyctl.aws.databases import find_database
from proxyctl.errors import NotFoundError, ProxyctlError, UsageError
from proxyctl.model.database import POSTGRES_PORT, Database
from proxyctl.model.iam import KmsKey, Role, Secret
from proxyctl.model.network import GroupRules, Rule, Subnet
from proxyctl.model.proxy import registered_databases
from proxyctl.provision import policies
from proxyctl.provision.model import Discovery
from proxyctl.provision.spec import Spec


def _subnets(c: Clients, spec: Spec, db: Database) -> list[Subnet]:
    if not spec.subnets:
        return list(db.subnets)
    known = {s.id: s for s in db.subnets}
    for found in subnets.read_subnets(c, [s for s in spec.subnets if s not in known]):
        if found.vpc_id != db.vpc_id:
            raise UsageError(
                f"--subnet: {found.id} is in {found.vpc_id}, not in the "
                f"database's VPC {db.vpc_id}.",
                field="--subnet",
            )
        known[found.id] = found
    return [known[s] for s in spec.subnets]


def _key(c: Clients, key_id: str | None) -> KmsKey | None:
    """The secret's key when a customer manages it; none means aws/secretsmanager."""
    if not key_id:
        return None
    try:
        return secrets.read_kms_key(c, key_id)
    except ProxyctlError:  # unknown here: grant kms:Decrypt, which is harmless if unneeded
        return KmsKey(key_id, customer_managed=True)


def _existing_secret(c: Clients, arn: str, field: str) -> Secret:
    found = secrets.read_secret(c, arn)
    if found is None:
        raise NotFoundError(
            f"{field}: no secret {arn!r} in {c.region}.",
            hint="List secrets with `aws secretsmanager list-secrets`.",
            field=field,
        )
    return found


def _secret(c: Clients, spec: Spec, db: Database) -> tuple[Secret | None, KmsKey | None]:
    if spec.secret == "managed" and db.managed_secret_arn:
        found = _existing_secret(c, db.managed_secret_arn, "--secret")
        return found, _key(c, found.kms_key_id or db.managed_secret_kms_key)
    if spec.secret == "existing" and spec.secret_arn:
        found = _existing_secret(c, spec.secret_arn, "--secret-arn")
        key = _key(c, found.kms_key_id)
        _check_value(c, spec.secret_arn)
        return found, key
    return None, None


def _check_value(c: Clients, arn: str, field: str = "--secret-arn") -> None:
    """The secret must be JSON with username and password (the value is never shown)."""
    shape = secrets.secret_shape(c, arn)
    hint = 'RDS Proxy reads {"username": "...", "password": "..."} from the secret.'
    if not shape.is_json:
        raise UsageError(f"{field}: the secret is not JSON.", hint=hint, field=field)
    missing = [
        k
        for k, has in (("username", shape.has_username), ("password", shape.has_password))
        if not has
    ]
    if missing:
        raise UsageError(
            f"{field}: the secret's JSON has no {' or '.join(missing)}.", hint=hint, field=field
        )


def _new_secret(c: Clients, spec: Spec) -> Secret | None:
    """The secret init would create, from an earlier run; refuses one scheduled for deletion."""
    if spec.secret != "new":
        return None
    name = policies.secret_name(spec)
    found = secrets.read_secret(c, name)
    if found is not None and found.scheduled_deletion:
        raise UsageError(
            f"--db-user: the secret {name} is scheduled for deletion, so init cannot make it.",
            hint=f"Restore it (aws secretsmanager restore-secret --secret-id {name}), delete it "
            "at once (aws secretsmanager delete-secret --force-delete-without-recovery), or "
            "choose another --db-user or --name.",
            field="--db-user",
        )
    return found


def letting_in(found: list[GroupRules], port: int) -> list[Rule]:
    """The rules of these groups that let TCP traffic reach PORT."""
    return [r for g in found for r in g.rules if r.lets_in_tcp(port)]


def _role(c: Clients, spec: Spec) -> Role | None:
    name = spec.role_arn.rsplit("/", 1)[-1] if spec.role_arn else policies.role_name(spec)
    role = roles.read_role(c, name)
    if spec.role_arn and role is None:
        raise NotFoundError(f"--role-arn: no IAM role {name!r}.", field="--role-arn")
    return None if role is None else roles.with_policies(c, role, inline=True)


def discover(c: Clients, spec: Spec, databases: list[Database]) -> Discovery:
    db = find_database(c, spec.database, databases)
    partition, account = c.identity
    role = _role(c, spec)
    group = (
        None if spec.security_groups else groups.find_group(c, db.vpc_id, policies.group_name(spec))
    )
    # Rules are read only from groups init may change: its own, or those given.
    ours = group is not None and group.stack == spec.name
    proxy_groups = spec.security_groups or ([group.id] if group and ours else [])
    new_secret = _new_secret(c, spec)
    secret, key = _secret(c, spec, db)
    proxy = proxies.read_proxy(c.rds, spec.name, tags=True)
    pool = proxies.read_target_group(c.rds, spec.name) if proxy else None
    targets = proxies.read_targets(c.rds, spec.name) if proxy else []
    return Discovery(
        region=c.region,
        account=account,
        partition=partition,
        database=db,
        secret=secret,
        secret_key=key,
        role=role,
        proxy_group=group.id if group else None,
        proxy_group_stack=group.stack if group else None,
        rules=letting_in(groups.read_groups(c, list(db.security_groups)), db.port)
        + letting_in(groups.read_groups(c, proxy_groups), POSTGRES_PORT),
        proxy=proxy,
        proxy_pool=dict(pool.pool) if pool else {},
        proxy_targets=sorted(ident for ident, _ in registered_databases(targets)),
        subnets=_subnets(c, spec, db),
        new_secret_arn=new_secret.arn if new_secret else None,
        new_secret_stack=new_secret.stack if new_secret else None,
    )
