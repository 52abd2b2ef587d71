"""Security groups and 5432 rules for a plan: the proxy's side and the database's (pure)."""

from __future__ import annotations

from typing import Any

from proxyctl.model.database import POSTGRES_PORT
from proxyctl.model.network import Rule
from proxyctl.provision import policies
from proxyctl.provision.model import Discovery
from proxyctl.provision.spec import Spec
from proxyctl.provision.steps import Plan, Ref, Step, tags


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
    if cidr is not None and ":" in cidr:  # EC2 keeps IPv6 ranges apart, under their own key
        perm["Ipv6Ranges"] = [{"CidrIpv6": cidr, "Description": note}]
    elif cidr is not None:
        perm["IpRanges"] = [{"CidrIp": cidr, "Description": note}]
    return perm


def _allowed(
    rules: list[Rule], group: str, source: str | None = None, cidr: str | None = None
) -> bool:
    """Whether GROUP already lets SOURCE (a group) or CIDR in."""
    if source is not None:
        return any(r.group_id == group and r.source_group == source for r in rules)
    return any(r.group_id == group and r.cidr == cidr for r in rules)


def plan_groups(spec: Spec, found: Discovery, plan: Plan) -> list[str | Ref]:
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
                    "TagSpecifications": [{"ResourceType": "security-group", "Tags": tags(spec)}],
                },
            )
        )
        created = Ref("proxy-group", "GroupId")
        proxy_groups = [created]
        if found.database.security_groups:
            plan.steps.append(_limit_egress(found, created, note))
    if not spec.security_groups:
        # New rules first: a client in both the old and the new ranges is never cut off.
        _plan_client_rules(spec, found, plan, proxy_groups[0], note)
        _plan_stale_rules(spec, found, plan, proxy_groups[0], note)
    for db_group in found.database.security_groups:
        for source in proxy_groups:
            rules = [r for r in found.rules if r.lets_in_tcp(found.database.port)]
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


def _limit_egress(found: Discovery, group: Ref, note: str) -> Step:
    """The new group reaches the database's groups on its port, and nothing else.

    EC2 gives a new group an allow-all outbound rule that Terraform's provider removes;
    this step makes both the same, and what the proxy needs.
    """
    db = found.database
    pairs = [{"GroupId": g, "Description": note} for g in db.security_groups]
    perm = {"IpProtocol": "tcp", "FromPort": db.port, "ToPort": db.port, "UserIdGroupPairs": pairs}
    return Step(
        "proxy-egress",
        "limit_egress",
        f"let the proxy's group send only to {db.port} on the database's groups "
        f"{', '.join(db.security_groups)}",
        "allow all outbound traffic again",
        {"GroupId": group, "IpPermissions": [perm]},
    )


def _plan_stale_rules(
    spec: Spec, found: Discovery, plan: Plan, group: str | Ref, note: str
) -> None:
    """Revoke the client rules an earlier init added that the spec no longer lists.

    Only rules with init's description: a rule added by hand (as `check` suggests) stays.
    """
    stale = [
        r
        for r in found.rules
        if r.group_id == group
        and r.is_exactly_tcp(POSTGRES_PORT)
        and r.description == note
        and (
            r.source_group not in spec.allow_sg if r.source_group else r.cidr not in spec.allow_cidr
        )
    ]
    if not stale:
        return
    shown = [str(r.source_group or r.cidr) for r in stale]
    plan.steps.append(
        Step(
            "proxy-rules-stale",
            "revoke_ingress",
            f"revoke 5432 on the proxy's group from {', '.join(shown)}",
            "add those rules back",
            {
                "GroupId": group,
                "IpPermissions": [
                    _permission(source_group=r.source_group, cidr=r.cidr, note=note) for r in stale
                ],
            },
        )
    )


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
