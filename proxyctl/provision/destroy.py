"""What `destroy` deletes, in which order, from what was found in AWS: no AWS here.

Only what carries the tag proxyctl:stack=NAME is deleted (init tags all it makes),
newest first: the proxy's targets, the proxy, the rules that name the proxy's
group on other groups, that group, the role's policies and the role, the secret.
A database, and a role, group or secret that init did not create, are never touched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from proxyctl.errors import NotFoundError, UsageError
from proxyctl.model.network import Rule
from proxyctl.model.proxy import Proxy
from proxyctl.provision import policies
from proxyctl.provision.found import StackFound
from proxyctl.provision.spec import Spec
from proxyctl.provision.steps import Deletion

TARGET_GROUP = "default"
SECRET_RECOVERY_DAYS = 30  # Secrets Manager's default recovery window


@dataclass
@dataclass
class DestroyPlan:
    """A plan whose steps have no undo: apply runs it as it runs init's."""

    KIND: ClassVar[str] = "destroy-plan"
    proxy: str
    region: str
    steps: list[Deletion]
    kept: list[str]  # found, and left alone: why

    def add(self, action: str, resource: str, summary: str, **params: Any) -> None:
        number = len(self.steps) + 1  # ids key the run's outputs: one per step
        self.steps.append(
            Deletion(f"{number}:{resource}", action, summary, None, params, [], resource)
        )

    def text(self) -> str:
        lines = [f"Destroy RDS Proxy stack {self.proxy} in {self.region}, newest first:"]
        lines += [f"  {n:>2}. {step.summary}" for n, step in enumerate(self.steps, 1)]
        lines += [f"  keep: {item}" for item in self.kept]
        return "\n".join(lines) + "\n"


@dataclass
class DestroyResult:
    KIND: ClassVar[str] = "destroy"
    proxy: str
    region: str
    deleted: list[Deletion]
    kept: list[str]
    # The plan it ran: in JSON the one document on stdout holds it (text shows it on stderr).
    plan: DestroyPlan | None = field(default=None, repr=False)

    def text(self) -> str:
        lines = [f"Destroyed RDS Proxy stack {self.proxy} in {self.region}:"]
        lines += [f"  done: {step.summary}" for step in self.deleted]
        lines += [f"  kept: {item}" for item in self.kept]
        if any("RecoveryWindowInDays" in step.params for step in self.deleted):
            lines.append(
                "A scheduled secret can be restored with `aws secretsmanager restore-secret`; "
                "its name stays taken until it is deleted."
            )
        return "\n".join(lines) + "\n"


def rule_note(name: str) -> str:
    return policies.rule_description(Spec(name=name, database=""))


def plan_destroy(found: StackFound, force_delete_secret: bool = False) -> DestroyPlan:
    """The steps, newest first; refuses a proxy init did not create; NotFound if empty."""
    name, proxy = found.name, found.proxy
    if proxy is not None and proxy.stack != name:
        raise UsageError(
            f"NAME: the RDS proxy {name!r} was not created by proxyctl (it has no "
            f"proxyctl:stack={name} tag): refusing to delete it.",
            hint="destroy removes only what `proxyctl init` made. Delete that proxy with the "
            "RDS console or `aws rds delete-db-proxy` if you mean to.",
            field="NAME",
        )
    plan = DestroyPlan(name, found.region, [], [])
    if proxy is not None:
        _plan_proxy(proxy, found, plan)
    _plan_groups(found, plan)
    _plan_roles(found, plan)
    _plan_secrets(found, plan, force_delete_secret)
    if not plan.steps:
        raise NotFoundError(
            f"nothing of the stack {name!r} exists in {found.region}: no RDS proxy, security "
            f"group, IAM role or secret tagged proxyctl:stack={name}.",
            hint="Check the name, --region and --profile (`aws rds describe-db-proxies` lists "
            "proxies)." + (f" Kept: {'; '.join(plan.kept)}." if plan.kept else ""),
            field="NAME",
        )
    return plan


def _plan_proxy(proxy: Proxy, found: StackFound, plan: DestroyPlan) -> None:
    clusters, instances = found.databases("cluster"), found.databases("instance")
    databases = clusters + instances
    if proxy.status != "deleting" and databases:
        params: dict[str, Any] = {"DBProxyName": proxy.name, "TargetGroupName": TARGET_GROUP}
        if clusters:
            params["DBClusterIdentifiers"] = clusters
        if instances:
            params["DBInstanceIdentifiers"] = instances
        shown = ", ".join(databases)
        summary = f"deregister {shown} from the proxy (the database stays)"
        plan.add("deregister_targets", shown, summary, **params)
    summary = f"delete RDS Proxy {proxy.name} and wait until it is gone"
    deleting = proxy.status == "deleting"
    plan.add("delete_proxy", proxy.arn, summary, DBProxyName=proxy.name, AlreadyDeleting=deleting)
    plan.kept += [f"database {db}: never touched" for db in databases]


def _plan_groups(found: StackFound, plan: DestroyPlan) -> None:
    name = found.name
    ours = {g.id for g in found.groups if g.stack == name}
    theirs = {g.id for g in found.groups if g.stack != name}
    for rule in found.rules:
        made_by_init = rule.source_group in theirs and rule.description == rule_note(name)
        if rule.group_id in ours or not (rule.source_group in ours or made_by_init):
            continue  # rules on our own group go with it
        summary = f"revoke the rule on {rule.group_id} that lets {rule.source_group} in"
        plan.add(
            "revoke_ingress",
            rule.group_id,
            f"{summary} ({_ports(rule)})",
            GroupId=rule.group_id,
            IpPermissions=[_permission(rule)],
        )
    for group in found.groups:
        if group.id in ours:
            summary = f"delete security group {group.name} ({group.id})"
            plan.add("delete_security_group", group.id, summary, GroupId=group.id)
        else:
            plan.kept.append(f"security group {group.id}: not created by proxyctl")


def _permission(rule: Rule) -> dict[str, Any]:
    perm: dict[str, Any] = {"IpProtocol": rule.protocol}
    if rule.from_port is not None:
        perm["FromPort"] = rule.from_port
    if rule.to_port is not None:
        perm["ToPort"] = rule.to_port
    pair = {"GroupId": rule.source_group}
    if rule.description:  # AWS ignores it when matching; moto needs it
        pair["Description"] = rule.description
    perm["UserIdGroupPairs"] = [pair]
    return perm


def _ports(rule: Rule) -> str:
    if rule.protocol == "-1":
        return "all traffic"
    if rule.from_port == rule.to_port:
        return f"{rule.protocol} {rule.from_port}"
    return f"{rule.protocol} {rule.from_port}-{rule.to_port}"


def _plan_roles(found: StackFound, plan: DestroyPlan) -> None:
    for role in found.roles:
        if role.stack != found.name:
            plan.kept.append(f"IAM role {role.name}: not created by proxyctl")
            continue
        for arn in role.attached:
            summary = f"detach managed policy {arn} from {role.name} (the policy stays)"
            plan.add("detach_role_policy", arn, summary, RoleName=role.name, PolicyArn=arn)
        for policy in role.inline_names:
            summary = f"delete inline policy {policy} of IAM role {role.name}"
            resource = f"{role.arn}/{policy}"
            plan.add("delete_role_policy", resource, summary, RoleName=role.name, PolicyName=policy)
        plan.add("delete_role", role.arn, f"delete IAM role {role.name}", RoleName=role.name)


def _plan_secrets(found: StackFound, plan: DestroyPlan, force: bool) -> None:
    for secret in found.secrets:
        if secret.stack != found.name:
            what = "RDS-managed secret" if secret.owner == "rds" else "secret"
            plan.kept.append(f"{what} {secret.name}: not created by proxyctl")
            continue
        if secret.scheduled_deletion and not force:
            plan.kept.append(
                f"secret {secret.name}: already scheduled for deletion "
                "(--force-delete-secret deletes it at once)"
            )
            continue
        params: dict[str, Any] = {"SecretId": secret.arn}
        if force:
            params["ForceDeleteWithoutRecovery"] = True
            when = "at once, without recovery"
        else:
            params["RecoveryWindowInDays"] = SECRET_RECOVERY_DAYS
            when = f"recoverable for {SECRET_RECOVERY_DAYS} days"
        plan.add("delete_secret", secret.arn, f"delete secret {secret.name} ({when})", **params)
