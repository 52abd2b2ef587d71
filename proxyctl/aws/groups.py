"""Security groups: reads as model records (GroupRules), and deleting a group that AWS
may still hold, shared by destroy and init's rollback.

A deleted proxy's network interfaces linger for minutes and keep its group in use
(DependencyViolation), so the delete is retried with backoff until the timeout.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from proxyctl.aws.errors import aws_code, aws_errors
from proxyctl.aws.shapes import tags_from_api
from proxyctl.errors import AwsRefusedError, NotFoundError, ProxyctlError
from proxyctl.model.network import GroupRules, Rule
from proxyctl.model.tags import STACK_TAG

if TYPE_CHECKING:
    from proxyctl.aws.actions import RunContext
    from proxyctl.aws.clients import Clients

MAX_DELAY = 30.0


def _rules(group: dict[str, Any]) -> tuple[Rule, ...]:
    rules: list[Rule] = []
    for perm in group.get("IpPermissions", []):
        base = {
            "group_id": group["GroupId"],
            "protocol": str(perm.get("IpProtocol", "-1")),
            "from_port": perm.get("FromPort"),
            "to_port": perm.get("ToPort"),
        }
        sources = [(p, {"source_group": p["GroupId"]}) for p in perm.get("UserIdGroupPairs", [])]
        sources += [(r, {"cidr": r["CidrIp"]}) for r in perm.get("IpRanges", [])]
        sources += [(r, {"cidr": r["CidrIpv6"]}) for r in perm.get("Ipv6Ranges", [])]
        rules += [
            Rule(**base, **source, description=s.get("Description", "")) for s, source in sources
        ]
    return tuple(rules)


def group_from_api(group: dict[str, Any]) -> GroupRules:
    return GroupRules(
        id=group["GroupId"],
        name=group.get("GroupName", ""),
        vpc_id=group.get("VpcId", ""),
        rules=_rules(group),
        tags=tags_from_api(group.get("Tags")),
    )


def _describe(c: Clients, what: str, **params: Any) -> list[GroupRules]:
    with aws_errors(what):
        pages = c.ec2.get_paginator("describe_security_groups").paginate(**params)
        return [group_from_api(g) for page in pages for g in page["SecurityGroups"]]


def read_groups(c: Clients, ids: list[str], *, missing_ok: bool = False) -> list[GroupRules]:
    """The groups with these ids; with MISSING_OK, those that exist (AWS refuses the whole
    read when one is gone, so they are then read one at a time)."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    try:
        return _describe(c, "describe security groups", GroupIds=wanted)
    except NotFoundError:
        if not missing_ok:
            raise
    found: list[GroupRules] = []
    for gid in wanted:
        try:
            found += _describe(c, f"describe the security group {gid}", GroupIds=[gid])
        except NotFoundError:
            continue
    return found


def find_group(c: Clients, vpc_id: str, name: str) -> GroupRules | None:
    """The group called NAME in the VPC, or None."""
    filters = [{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": [name]}]
    found = _describe(c, "describe security groups", Filters=filters)
    return found[0] if found else None


def stack_groups(c: Clients, stack: str, also: list[str] | None = None) -> list[GroupRules]:
    """The groups tagged proxyctl:stack=STACK, and those in ALSO (when they exist)."""
    tagged = [{"Name": f"tag:{STACK_TAG}", "Values": [stack]}]
    found = _describe(c, "describe security groups", Filters=tagged)
    wanted = sorted(set(also or []) - {g.id for g in found})
    if wanted:  # a filter, unlike GroupIds, does not fail on an id that is gone
        by_id = [{"Name": "group-id", "Values": wanted}]
        found += _describe(c, "describe security groups", Filters=by_id)
    return found


def groups_letting_in(c: Clients, sources: list[str]) -> list[GroupRules]:
    """The groups, any of them, with a rule whose source is one of the groups SOURCES."""
    if not sources:
        return []
    named = [{"Name": "ip-permission.group-id", "Values": sources}]
    return _describe(c, "describe security groups", Filters=named)


def delete_security_group(c: Clients, p: dict[str, Any], ctx: RunContext) -> None:
    """Delete, retrying while the deleted proxy's network interfaces still hold the group."""
    start, delay = ctx.clock(), ctx.poll
    while True:
        try:
            with aws_errors(f"delete the security group {p['GroupId']}"):
                c.ec2.delete_security_group(**p)
            return
        except ProxyctlError as exc:
            if aws_code(exc) != "DependencyViolation":
                raise
            if ctx.clock() - start + delay > ctx.timeout:
                raise AwsRefusedError(exc.message, hint=_in_use_hint(p["GroupId"])) from exc
            ctx.report(
                f"{p['GroupId']} is still in use (DependencyViolation); retrying in {delay:.0f} s"
            )
            ctx.sleep(delay)
            delay = min(delay * 2, MAX_DELAY)


def _in_use_hint(group: str) -> str:
    return (
        "Something still uses the group: the deleted proxy's network interfaces (they can take "
        "minutes to go), or a rule in another group that names it. See `aws ec2 "
        f"describe-network-interfaces --filters Name=group-id,Values={group}`, or raise "
        "--wait-timeout."
    )
