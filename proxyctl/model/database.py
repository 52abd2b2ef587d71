"""A PostgreSQL database in RDS: an Aurora cluster or a standalone instance.

One record for both kinds: init offers either through the same questions, and check
and destroy need the same few facts of each; the reader absorbs where AWS's two shapes
differ (an instance's endpoint is a structure, a cluster lists its members).
"""

from __future__ import annotations

from dataclasses import dataclass

from proxyctl.model.network import Subnet

POSTGRES_PORT = 5432


@dataclass(frozen=True)
class Database:
    identifier: str
    kind: str  # "cluster" | "instance"
    engine: str = ""
    status: str = ""
    vpc_id: str = ""
    vpc_cidr: str | None = None
    subnets: tuple[Subnet, ...] = ()  # those of its DB subnet group
    security_groups: tuple[str, ...] = ()
    iam_auth: bool = False
    master_username: str = ""
    managed_secret_arn: str | None = None
    managed_secret_kms_key: str | None = None
    endpoint: str = ""
    port: int = POSTGRES_PORT
    writer: str | None = None
    readers: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        kind = "Aurora cluster" if self.kind == "cluster" else "RDS instance"
        return f"{self.identifier} ({kind}, {self.engine}, {self.status})"
