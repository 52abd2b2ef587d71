"""Subnets and security groups, with each group's inbound rules."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass

from proxyctl.model.tags import stack_of


@dataclass(frozen=True)
class Subnet:
    id: str
    az: str = ""  # "" when the subnet is gone
    cidr: str | None = None
    vpc_id: str = ""


@dataclass(frozen=True)
class Rule:
    """One inbound permission of a group for one source: a group or a CIDR."""

    group_id: str
    protocol: str  # "tcp", "6", "-1" (all), "udp"...
    from_port: int | None
    to_port: int | None
    source_group: str | None = None
    cidr: str | None = None  # IPv4 or IPv6
    description: str = ""

    def lets_in_tcp(self, port: int) -> bool:
        if self.protocol == "-1":
            return True
        if self.protocol not in ("tcp", "6"):
            return False
        low = 0 if self.from_port is None else self.from_port
        high = 65535 if self.to_port is None else self.to_port
        return low <= port <= high

    def is_exactly_tcp(self, port: int) -> bool:
        """TCP on PORT alone: not a range, not all traffic."""
        return self.protocol in ("tcp", "6") and self.from_port == self.to_port == port

    def covers_cidr(self, cidr: str) -> bool:
        """Whether this rule's range contains all of CIDR (same IP version only)."""
        if self.cidr is None:
            return False
        try:
            mine = ipaddress.ip_network(self.cidr, strict=False)
            theirs = ipaddress.ip_network(cidr, strict=False)
        except ValueError:
            return False
        if mine.version != theirs.version:
            return False
        return theirs.subnet_of(mine)  # type: ignore[arg-type]


@dataclass(frozen=True)
class GroupRules:
    """A security group and its inbound rules."""

    id: str
    name: str = ""
    vpc_id: str = ""
    rules: tuple[Rule, ...] = ()
    tags: Mapping[str, str] | None = None

    @property
    def stack(self) -> str | None:
        return stack_of(self.tags)
