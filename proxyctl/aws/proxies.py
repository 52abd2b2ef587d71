"""RDS Proxy reads: the proxy, its targets and its target group, as model records."""

from __future__ import annotations

from typing import Any

from proxyctl.aws.errors import aws_errors
from proxyctl.aws.shapes import tags_from_api
from proxyctl.errors import NotFoundError
from proxyctl.model.proxy import AuthEntry, Proxy, ProxyEndpoint, TargetGroup, TargetHealth

TARGET_GROUP = "default"


def _auth(a: dict[str, Any]) -> AuthEntry:
    return AuthEntry(
        secret_arn=a.get("SecretArn"),
        iam_auth=a.get("IAMAuth", "DISABLED"),
        scheme=a.get("AuthScheme", "SECRETS"),
        client_password_auth=a.get("ClientPasswordAuthType"),
        description=a.get("Description"),
        user_name=a.get("UserName"),
    )


def proxy_from_api(item: dict[str, Any], tags: dict[str, str] | None = None) -> Proxy:
    return Proxy(
        name=item["DBProxyName"],
        arn=item.get("DBProxyArn", ""),
        endpoint=item.get("Endpoint", ""),
        status=item.get("Status", "unknown"),
        engine_family=item.get("EngineFamily", ""),
        vpc_id=item.get("VpcId", ""),
        subnets=tuple(item.get("VpcSubnetIds", [])),
        security_groups=tuple(item.get("VpcSecurityGroupIds", [])),
        role_arn=item.get("RoleArn", ""),
        auth=tuple(_auth(a) for a in item.get("Auth", [])),
        require_tls=item.get("RequireTLS"),
        idle_client_timeout=item.get("IdleClientTimeout"),
        debug_logging=item.get("DebugLogging"),
        default_auth_scheme=item.get("DefaultAuthScheme"),
        tags=tags,
    )


def list_proxies(rds: Any) -> list[Proxy]:
    with aws_errors("list RDS proxies"):
        pages = rds.get_paginator("describe_db_proxies").paginate()
        return [proxy_from_api(item) for page in pages for item in page["DBProxies"]]


def read_proxy(rds: Any, name: str, *, tags: bool = False) -> Proxy | None:
    """The proxy called NAME, or None; with TAGS, its tags too (one more call)."""
    try:
        with aws_errors(f"describe the RDS proxy {name}"):
            found = rds.describe_db_proxies(DBProxyName=name)["DBProxies"]
    except NotFoundError:
        return None
    if not found:
        return None
    item = found[0]
    if not tags:
        return proxy_from_api(item)
    with aws_errors(f"read the tags of the RDS proxy {name}"):
        listed = rds.list_tags_for_resource(ResourceName=item["DBProxyArn"]).get("TagList")
    return proxy_from_api(item, tags_from_api(listed))


def describe_proxy(rds: Any, name: str, region: str | None, field: str = "--proxy") -> Proxy:
    """The proxy called NAME; when there is none, the error lists those that exist and
    names FIELD, where NAME came from."""
    found = read_proxy(rds, name)
    if found is not None:
        return found
    where = f"in {region}" if region else "in this region"
    others = sorted(p.name for p in list_proxies(rds))
    listed = ", ".join(others) if others else "none"
    instead = ", or use --host" if field == "--proxy" else ""
    raise NotFoundError(
        f"{field}: no RDS proxy named {name!r} {where}.",
        hint=f"Proxies {where}: {listed}. Check --region and --profile{instead}.",
        field=field,
    )


def target_from_api(item: dict[str, Any]) -> TargetHealth:
    state = item.get("TargetHealth", {})
    return TargetHealth(
        target=item.get("RdsResourceId") or item.get("Endpoint", "?"),
        role=item.get("Role", "UNKNOWN"),
        state=state.get("State", "REGISTERING"),
        reason=state.get("Reason"),
        description=state.get("Description"),
        type=item.get("Type", ""),
        cluster=item.get("TrackedClusterId"),
        reported=not (item.get("Type") == "TRACKED_CLUSTER" and "TargetHealth" not in item),
    )


def targets_from_api(items: list[dict[str, Any]]) -> list[TargetHealth]:
    return [target_from_api(item) for item in items]


def read_targets(rds: Any, name: str) -> list[TargetHealth]:
    """Every target of the proxy NAME, the tracked cluster included."""
    with aws_errors(f"describe the targets of the RDS proxy {name}"):
        items = rds.describe_db_proxy_targets(DBProxyName=name).get("Targets", [])
    return targets_from_api(items)


def read_target_group(rds: Any, name: str) -> TargetGroup | None:
    """The proxy's default target group, or None when AWS lists none."""
    with aws_errors(f"describe the target groups of the RDS proxy {name}"):
        groups = rds.describe_db_proxy_target_groups(DBProxyName=name)["TargetGroups"]
    if not groups:
        return None
    group = groups[0]
    return TargetGroup(
        group.get("TargetGroupName", TARGET_GROUP), group.get("ConnectionPoolConfig", {})
    )


def endpoint_from_api(item: dict[str, Any]) -> ProxyEndpoint:
    return ProxyEndpoint(
        name=item.get("DBProxyEndpointName", ""),
        host=item.get("Endpoint", ""),
        role=item.get("TargetRole", "READ_WRITE"),
        status=item.get("Status", "unknown"),
        default=bool(item.get("IsDefault", False)),
        vpc_id=item.get("VpcId", ""),
    )


def read_endpoints(rds: Any, name: str) -> list[ProxyEndpoint]:
    """The endpoints of the proxy NAME (its default one included), default first."""
    with aws_errors(f"describe the endpoints of the RDS proxy {name}"):
        pages = rds.get_paginator("describe_db_proxy_endpoints").paginate(DBProxyName=name)
        found = [endpoint_from_api(item) for page in pages for item in page["DBProxyEndpoints"]]
    return sorted(found, key=lambda e: (not e.default, e.name))
