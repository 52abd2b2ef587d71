"""`destroy`'s AWS side: find a stack's parts by their tags (aws.actions deletes them)."""

from __future__ import annotations

from typing import Any

from proxyctl.aws.clients import Clients
from proxyctl.aws.discovery import STACK_TAG, describe_secret, stack_of
from proxyctl.aws.errors import aws_errors
from proxyctl.errors import NotFoundError
from proxyctl.provision.destroy import (
    FoundGroup,
    FoundProxy,
    FoundRole,
    FoundRule,
    FoundSecret,
    StackFound,
    conventional_role_name,
)


def _proxy(c: Clients, name: str) -> FoundProxy | None:
    try:
        with aws_errors(f"describe the RDS proxy {name}"):
            item = c.rds.describe_db_proxies(DBProxyName=name)["DBProxies"][0]
    except NotFoundError:
        return None
    with aws_errors(f"read the RDS proxy {name}"):
        tags = c.rds.list_tags_for_resource(ResourceName=item["DBProxyArn"]).get("TagList", [])
        targets = [] if item.get("Status") == "deleting" else _targets(c, name)
    # Aurora: the cluster is a TRACKED_CLUSTER target; its instances carry TrackedClusterId.
    clusters = {
        t.get("TrackedClusterId") or t.get("RdsResourceId", "")
        for t in targets
        if t.get("Type") == "TRACKED_CLUSTER" or t.get("TrackedClusterId")
    }
    instances = {
        t.get("RdsResourceId", "")
        for t in targets
        if t.get("Type") == "RDS_INSTANCE" and not t.get("TrackedClusterId")
    }
    return FoundProxy(
        name=name,
        arn=item["DBProxyArn"],
        status=item.get("Status", ""),
        stack=stack_of(tags),
        role_arn=item.get("RoleArn"),
        secret_arns=[a["SecretArn"] for a in item.get("Auth", []) if a.get("SecretArn")],
        security_groups=list(item.get("VpcSecurityGroupIds", [])),
        clusters=sorted(clusters - {""}),
        instances=sorted(instances - {""}),
    )


def _targets(c: Clients, name: str) -> list[dict[str, Any]]:
    return list(c.rds.describe_db_proxy_targets(DBProxyName=name).get("Targets", []))


def _groups(c: Clients, name: str, proxy: FoundProxy | None) -> list[FoundGroup]:
    pages = c.ec2.get_paginator("describe_security_groups")
    with aws_errors("describe security groups"):
        items = [
            g
            for page in pages.paginate(Filters=[{"Name": f"tag:{STACK_TAG}", "Values": [name]}])
            for g in page["SecurityGroups"]
        ]
        wanted = set(proxy.security_groups if proxy else []) - {g["GroupId"] for g in items}
        if wanted:
            items += c.ec2.describe_security_groups(
                Filters=[{"Name": "group-id", "Values": sorted(wanted)}]
            )["SecurityGroups"]
    return [
        FoundGroup(g["GroupId"], g.get("GroupName", ""), stack_of(g.get("Tags"))) for g in items
    ]


def _rules(c: Clients, sources: list[str]) -> list[FoundRule]:
    """The ingress rules, on any group, whose source is one of SOURCES."""
    if not sources:
        return []
    pages = c.ec2.get_paginator("describe_security_groups").paginate(
        Filters=[{"Name": "ip-permission.group-id", "Values": sources}]
    )
    rules: list[FoundRule] = []
    with aws_errors("describe security groups"):
        groups = [g for page in pages for g in page["SecurityGroups"]]
    for group in groups:
        for perm in group.get("IpPermissions", []):
            rules += [
                FoundRule(
                    group_id=group["GroupId"],
                    source_group=pair["GroupId"],
                    protocol=str(perm.get("IpProtocol", "-1")),
                    from_port=perm.get("FromPort"),
                    to_port=perm.get("ToPort"),
                    description=pair.get("Description", ""),
                )
                for pair in perm.get("UserIdGroupPairs", [])
                if pair.get("GroupId") in sources
            ]
    return rules


def _role(c: Clients, name: str) -> FoundRole | None:
    try:
        with aws_errors(f"read the IAM role {name}"):
            role = c.iam.get_role(RoleName=name)["Role"]
    except NotFoundError:
        return None
    with aws_errors(f"list the policies of the IAM role {name}"):
        inline = [
            p
            for page in c.iam.get_paginator("list_role_policies").paginate(RoleName=name)
            for p in page["PolicyNames"]
        ]
        attached = [
            p["PolicyArn"]
            for page in c.iam.get_paginator("list_attached_role_policies").paginate(RoleName=name)
            for p in page["AttachedPolicies"]
        ]
    return FoundRole(name, role["Arn"], stack_of(role.get("Tags")), inline, attached)


def _secret(c: Clients, arn: str) -> FoundSecret | None:
    meta = describe_secret(c, arn)
    return None if meta is None else _found_secret(meta)


def _found_secret(meta: dict[str, Any]) -> FoundSecret:
    return FoundSecret(
        arn=meta["ARN"],
        name=meta.get("Name", ""),
        stack=stack_of(meta.get("Tags")),
        owner=meta.get("OwningService"),
        scheduled_deletion=bool(meta.get("DeletedDate")),
    )


def _secrets(c: Clients, name: str, proxy: FoundProxy | None) -> list[FoundSecret]:
    # Secrets Manager filters match prefixes: the exact tag is checked when planning.
    filters = [
        {"Key": "tag-key", "Values": [STACK_TAG]},
        {"Key": "tag-value", "Values": [name]},
    ]
    pages = c.secrets.get_paginator("list_secrets").paginate(
        Filters=filters, IncludePlannedDeletion=True
    )
    with aws_errors("list secrets"):
        found = [_found_secret(meta) for page in pages for meta in page["SecretList"]]
    known = {s.arn for s in found}
    for arn in proxy.secret_arns if proxy else []:
        secret = None if arn in known else _secret(c, arn)
        if secret is not None:
            found.append(secret)
    return found


def find_stack(c: Clients, name: str) -> StackFound:
    """The proxy NAME, and the groups, rules, roles and secrets that may be its stack's."""
    proxy = _proxy(c, name)
    groups = _groups(c, name, proxy)
    role_names = [conventional_role_name(name)]
    if proxy is not None and proxy.role_arn:
        role_names.append(proxy.role_arn.rsplit("/", 1)[-1])
    roles = [r for r in (_role(c, n) for n in dict.fromkeys(role_names)) if r is not None]
    return StackFound(
        name=name,
        region=c.region,
        proxy=proxy,
        groups=groups,
        rules=_rules(c, [g.id for g in groups]),
        roles=roles,
        secrets=_secrets(c, name, proxy),
    )
