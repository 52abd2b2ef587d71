"""EC2 subnet reads as model records."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from proxyctl.aws.errors import aws_errors
from proxyctl.errors import NotFoundError
from proxyctl.model.network import Subnet

if TYPE_CHECKING:  # only for annotations: clients imports session, which imports secrets
    from proxyctl.aws.clients import Clients


def _subnet(item: dict[str, Any]) -> Subnet:
    return Subnet(
        item["SubnetId"],
        item.get("AvailabilityZone", ""),
        item.get("CidrBlock"),
        item.get("VpcId", ""),
    )


def read_subnets(c: Clients, ids: list[str], *, missing_ok: bool = False) -> list[Subnet]:
    """The subnets IDS in that order; with MISSING_OK, one that is gone has no AZ or CIDR."""
    if not ids:
        return []
    found: dict[str, Subnet] = {}
    try:
        with aws_errors("describe subnets"):
            found = {
                s.id: s for s in map(_subnet, c.ec2.describe_subnets(SubnetIds=ids)["Subnets"])
            }
    except NotFoundError:
        if not missing_ok:
            raise
        for subnet in ids:  # AWS refuses the whole read when one is gone: find out which
            try:
                with aws_errors(f"describe the subnet {subnet}"):
                    found[subnet] = _subnet(
                        c.ec2.describe_subnets(SubnetIds=[subnet])["Subnets"][0]
                    )
            except NotFoundError:
                continue
    return [found.get(i, Subnet(i)) for i in ids]
