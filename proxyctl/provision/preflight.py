"""What would make apply fail half-way or touch what init did not make: refused first (pure).

init reuses a role, security group or secret found by its name only when it carries
the proxyctl:stack tag of this stack; anything else of that name belongs to someone.
"""

from __future__ import annotations

from proxyctl.errors import UsageError
from proxyctl.provision import drift, policies
from proxyctl.provision.model import Discovery
from proxyctl.provision.spec import Spec


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
    if proxy is not None and (fixed := drift.fixed_differences(spec, found, proxy)):
        drift.refuse_fixed(spec, fixed)
    _not_ours(spec, found)
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


def _not_ours(spec: Spec, found: Discovery) -> None:
    group, vpc = found.proxy_group, found.database.vpc_id
    if not spec.security_groups and group and found.proxy_group_stack != spec.name:
        raise UsageError(
            f"--name: a security group {policies.group_name(spec)} ({group}) already exists in "
            f"{vpc} and proxyctl init did not create it.",
            hint=f"To make it the proxy's group, pass it with --security-group {group} (init "
            "then adds no client rules to it); or choose another --name.",
            field="--name",
        )
    if spec.secret == "new" and found.new_secret_arn and found.new_secret_stack != spec.name:
        raise UsageError(
            f"--db-user: a secret {policies.secret_name(spec)} already exists and proxyctl init "
            "did not create it.",
            hint=f"Use it with --secret existing --secret-arn {found.new_secret_arn}, or choose "
            "another --db-user or --name.",
            field="--db-user",
        )
