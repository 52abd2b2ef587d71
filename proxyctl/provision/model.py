"""What init's discovery found in AWS, as model records for the pure planning functions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from proxyctl.model.database import Database
from proxyctl.model.iam import KmsKey, Role, Secret
from proxyctl.model.network import Rule, Subnet
from proxyctl.model.proxy import Proxy


@dataclass(frozen=True)
class Discovery:
    """Everything planning needs to know about the account, read once."""

    region: str
    account: str
    partition: str
    database: Database
    secret: Secret | None  # the chosen secret (managed or existing); None for a new one
    role: Role | None  # the stack's role (or --role-arn's), when it exists
    proxy_group: str | None  # the proxy security group by init's name, when it exists
    # Rules that let TCP reach the database's port on its groups, or 5432 on the proxy's.
    rules: list[Rule]
    proxy: Proxy | None  # the proxy of that name, when it exists
    subnets: list[Subnet] = field(default_factory=list)  # the ones the proxy will use
    secret_key: KmsKey | None = None  # the chosen secret's KMS key, when not the default
    # The proxy's default target group's pool settings, and the databases registered.
    proxy_pool: dict[str, Any] = field(default_factory=dict)
    proxy_targets: list[str] = field(default_factory=list)
    new_secret_arn: str | None = None  # the stack's secret from an earlier run
    # The proxyctl:stack tags of proxy_group and of the secret named like new_secret_arn's:
    # init reuses them only when they carry this stack's name.
    proxy_group_stack: str | None = None
    new_secret_stack: str | None = None
