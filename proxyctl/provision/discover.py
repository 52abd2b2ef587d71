"""Read what planning needs for one spec: the database, the secret, and the stack so far."""

from __future__ import annotations

from proxyctl.aws import discovery as aws
from proxyctl.aws.clients import Clients
from proxyctl.aws.errors import aws_errors
from proxyctl.errors import NotFoundError, UsageError
from proxyctl.provision import policies
from proxyctl.provision.model import Database, Discovery, SecretInfo, Subnet
from proxyctl.provision.spec import Spec


def _subnets(c: Clients, spec: Spec, db: Database) -> list[Subnet]:
    if not spec.subnets:
        return db.subnets
    known = {s.id: s for s in db.subnets}
    missing = [s for s in spec.subnets if s not in known]
    if missing:
        with aws_errors("describe subnets"):
            found = c.ec2.describe_subnets(SubnetIds=missing)["Subnets"]
        for item in found:
            if item.get("VpcId") != db.vpc_id:
                raise UsageError(
                    f"--subnet: {item['SubnetId']} is in {item.get('VpcId')}, not in the "
                    f"database's VPC {db.vpc_id}.",
                    field="--subnet",
                )
            known[item["SubnetId"]] = Subnet(item["SubnetId"], item.get("AvailabilityZone", ""))
    return [known[s] for s in spec.subnets]


def _secret(c: Clients, spec: Spec, db: Database) -> SecretInfo | None:
    if spec.secret == "managed" and db.managed_secret_arn:
        info = aws.secret_info(c, db.managed_secret_arn, field="--secret")
        if db.managed_secret_kms_key and not info.kms_key_id:
            info.kms_key_id, info.customer_managed_key = aws.kms_key(c, db.managed_secret_kms_key)
        return info
    if spec.secret == "existing" and spec.secret_arn:
        info = aws.secret_info(c, spec.secret_arn)
        aws.check_secret_value(c, spec.secret_arn)
        return info
    return None


def discover(c: Clients, spec: Spec, databases: list[Database]) -> Discovery:
    db = aws.find_database(c, spec.database, databases)
    partition, account = c.identity
    role_name = spec.role_arn.rsplit("/", 1)[-1] if spec.role_arn else policies.role_name(spec)
    role = aws.role_info(c, role_name)
    if spec.role_arn and role is None:
        raise NotFoundError(f"--role-arn: no IAM role {role_name!r}.", field="--role-arn")
    group = (
        None if spec.security_groups else aws.stack_group(c, db.vpc_id, policies.group_name(spec))
    )
    # Rules are read only from groups init may change: its own, or those given.
    ours = group is not None and group[1] == spec.name
    proxy_groups = spec.security_groups or ([group[0]] if group and ours else [])
    new_secret = aws.secret_by_name(c, policies.secret_name(spec)) if spec.secret == "new" else None
    return Discovery(
        region=c.region,
        account=account,
        partition=partition,
        database=db,
        secret=_secret(c, spec, db),
        role=role,
        proxy_group=group[0] if group else None,
        proxy_group_stack=group[1] if group else None,
        rules=aws.ingress_rules(c, db.security_groups, db.port)
        + aws.ingress_rules(c, proxy_groups),
        proxy=aws.proxy_info(c, spec.name),
        subnets=_subnets(c, spec, db),
        new_secret_arn=new_secret[0] if new_secret else None,
        new_secret_stack=new_secret[1] if new_secret else None,
    )
