"""What a create call cut short may have made, found by its name and tags: its undo.

AWS may have acted on a call whose answer never arrived (Ctrl-C while it was in
flight, a lost connection). Each finder looks the resource up as the call named
it and returns the undo when it is there and tagged for this stack; None when
it is not there; it raises when it cannot tell.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from proxyctl.aws import proxies
from proxyctl.aws.clients import Clients
from proxyctl.aws.errors import aws_errors
from proxyctl.aws.secrets import read_secret
from proxyctl.aws.shapes import stack_tag as stack_of
from proxyctl.errors import NotFoundError, ProxyctlError

Undo = tuple[str, dict[str, Any]]


def _secret(c: Clients, p: dict[str, Any], made: list[str]) -> Undo | None:
    found = read_secret(c, p["Name"])
    if found is None or found.scheduled_deletion or found.stack != stack_of(p["Tags"]):
        return None
    return "delete_secret", {"SecretId": found.arn, "ForceDeleteWithoutRecovery": True}


def _role(c: Clients, p: dict[str, Any], made: list[str]) -> Undo | None:
    try:
        with aws_errors(f"read the IAM role {p['RoleName']}"):
            role = c.iam.get_role(RoleName=p["RoleName"])["Role"]
    except NotFoundError:
        return None
    if stack_of(role.get("Tags")) != stack_of(p["Tags"]):
        return None
    return "delete_role", {"RoleName": p["RoleName"]}


def _role_policy(c: Clients, p: dict[str, Any], made: list[str]) -> Undo | None:
    keys = {"RoleName": p["RoleName"], "PolicyName": p["PolicyName"]}
    if "delete_role" not in made:  # a role of an earlier run: what it held before is unknown
        raise ProxyctlError(
            f"the inline policy {keys['PolicyName']} of {keys['RoleName']} may have been "
            f"replaced (see `aws iam get-role-policy --role-name {keys['RoleName']} "
            f"--policy-name {keys['PolicyName']}`)"
        )
    try:
        with aws_errors(f"read the inline policy {keys['PolicyName']}"):
            c.iam.get_role_policy(**keys)
    except NotFoundError:
        return None
    return "delete_role_policy", keys


def _group(c: Clients, p: dict[str, Any], made: list[str]) -> Undo | None:
    filters = [
        {"Name": "vpc-id", "Values": [p["VpcId"]]},
        {"Name": "group-name", "Values": [p["GroupName"]]},
    ]
    with aws_errors("describe security groups"):
        groups = c.ec2.describe_security_groups(Filters=filters)["SecurityGroups"]
    stack = stack_of(p["TagSpecifications"][0]["Tags"])
    ours = [g["GroupId"] for g in groups if stack_of(g.get("Tags")) == stack]
    return ("delete_security_group", {"GroupId": ours[0]}) if ours else None


def _rules_now(c: Clients, group_id: str) -> list[set[tuple[Any, ...]]] | None:
    """The sources of each inbound rule of the group; None when the group is gone."""
    try:
        with aws_errors(f"describe the security group {group_id}"):
            group = c.ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
    except NotFoundError:
        return None
    return [_sources(perm) for perm in group.get("IpPermissions", [])]


def _on_group(perm: dict[str, Any], there: list[set[tuple[Any, ...]]]) -> bool:
    return any(_sources(perm) <= sources for sources in there)


def _rules(c: Clients, p: dict[str, Any], made: list[str]) -> Undo | None:
    """The rules of the call that are on the group now (AWS adds them all or none)."""
    there = _rules_now(c, p["GroupId"])
    present = [perm for perm in p["IpPermissions"] if there and _on_group(perm, there)]
    return ("revoke_ingress", {**p, "IpPermissions": present}) if present else None


def _revoked(c: Clients, p: dict[str, Any], made: list[str]) -> Undo | None:
    """The rules of the call that are gone from the group now: they are put back."""
    there = _rules_now(c, p["GroupId"])
    if there is None:
        return None
    gone = [perm for perm in p["IpPermissions"] if not _on_group(perm, there)]
    return ("authorize_ingress_back", {**p, "IpPermissions": gone}) if gone else None


def _sources(perm: dict[str, Any]) -> set[tuple[Any, ...]]:
    ports = (perm.get("IpProtocol"), perm.get("FromPort"), perm.get("ToPort"))
    return (
        {(*ports, pair["GroupId"]) for pair in perm.get("UserIdGroupPairs", [])}
        | {(*ports, item["CidrIp"]) for item in perm.get("IpRanges", [])}
        | {(*ports, item["CidrIpv6"]) for item in perm.get("Ipv6Ranges", [])}
    )


def _proxy(c: Clients, p: dict[str, Any], made: list[str]) -> Undo | None:
    name = p["DBProxyName"]
    found = proxies.read_proxy(c.rds, name, tags=True)
    if found is None or found.stack != stack_of(p["Tags"]):
        return None
    return "delete_proxy", {"DBProxyName": name}


def _changed(what: str, see: str) -> ProxyctlError:
    """A change to something of an earlier run: whether it went through, and what was there
    before it, cannot be told from here."""
    return ProxyctlError(
        f"{what} may have changed, and the earlier ones are not known (see `{see}`)"
    )


def _pool(c: Clients, p: dict[str, Any], made: list[str]) -> Undo | None:
    if "delete_proxy" in made:
        return None  # the proxy of this run goes, and its pool with it
    name = p["DBProxyName"]
    raise _changed(
        f"the pool settings of {name}",
        f"aws rds describe-db-proxy-target-groups --db-proxy-name {name}",
    )


def _proxy_settings(c: Clients, p: dict[str, Any], made: list[str]) -> Undo | None:
    if "delete_proxy" in made:
        return None  # the proxy of this run goes, its settings with it
    name = p["DBProxyName"]
    raise _changed(f"the settings of {name}", f"aws rds describe-db-proxies --db-proxy-name {name}")


def _egress(c: Clients, p: dict[str, Any], made: list[str]) -> Undo | None:
    if "delete_security_group" in made:
        return None  # the group of this run goes, its rules with it
    group = p["GroupId"]
    raise _changed(
        f"the outbound rules of {group}", f"aws ec2 describe-security-groups --group-ids {group}"
    )


def _targets(c: Clients, p: dict[str, Any], made: list[str]) -> Undo | None:
    try:
        targets = proxies.read_targets(c.rds, p["DBProxyName"])
    except NotFoundError:
        return None
    wanted = set(p.get("DBClusterIdentifiers", []) + p.get("DBInstanceIdentifiers", []))
    there = {t.cluster or t.target for t in targets}
    return ("deregister_targets", p) if wanted & there else None


FINDERS: dict[str, Callable[[Clients, dict[str, Any], list[str]], Undo | None]] = {
    "create_secret": _secret,
    "create_role": _role,
    "put_role_policy": _role_policy,
    "create_security_group": _group,
    "authorize_ingress": _rules,
    "revoke_ingress": _revoked,
    "limit_egress": _egress,
    "create_proxy": _proxy,
    "modify_proxy": _proxy_settings,
    "modify_pool": _pool,
    "register_targets": _targets,
}


def find_leftover(c: Clients, action: str, p: dict[str, Any], made: list[str]) -> Undo | None:
    """The undo of what the call ACTION(P) made, if it made anything; MADE: the run's undos."""
    return FINDERS[action](c, p, made)
