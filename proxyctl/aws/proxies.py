"""RDS Proxy look-ups: DescribeDBProxies as typed results."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from proxyctl.aws.errors import aws_errors
from proxyctl.errors import NotFoundError


@dataclass
class ProxySummary:
    name: str
    endpoint: str
    status: str
    engine_family: str
    require_tls: bool
    vpc_id: str
    arn: str
    iam_auth: str = "DISABLED"  # REQUIRED when any of its auth items requires IAM
    secret_arns: list[str] = field(default_factory=list)

    @classmethod
    def from_api(cls, item: dict[str, Any]) -> ProxySummary:
        return cls(
            name=item["DBProxyName"],
            endpoint=item.get("Endpoint", ""),
            status=item.get("Status", "unknown"),
            engine_family=item.get("EngineFamily", ""),
            require_tls=bool(item.get("RequireTLS", False)),
            vpc_id=item.get("VpcId", ""),
            arn=item.get("DBProxyArn", ""),
            iam_auth="REQUIRED"
            if any(a.get("IAMAuth") == "REQUIRED" for a in item.get("Auth", []))
            else "DISABLED",
            secret_arns=[a["SecretArn"] for a in item.get("Auth", []) if a.get("SecretArn")],
        )


def list_proxies(rds: Any) -> list[ProxySummary]:
    with aws_errors("list RDS proxies"):
        pages = rds.get_paginator("describe_db_proxies").paginate()
        return [ProxySummary.from_api(item) for page in pages for item in page["DBProxies"]]


def describe_proxy(rds: Any, name: str, region: str | None) -> ProxySummary:
    """The proxy called NAME; when there is none, the error lists those that exist."""
    where = f"in {region}" if region else "in this region"
    try:
        with aws_errors(f"describe the RDS proxy {name}"):
            found = rds.describe_db_proxies(DBProxyName=name)["DBProxies"]
    except NotFoundError:
        found = []
    if found:
        return ProxySummary.from_api(found[0])
    others = sorted(p.name for p in list_proxies(rds))
    listed = ", ".join(others) if others else "none"
    raise NotFoundError(
        f"--proxy: no RDS proxy named {name!r} {where}.",
        hint=f"Proxies {where}: {listed}. Check --region and --profile, or use --host.",
        field="--proxy",
    )
