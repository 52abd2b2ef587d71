"""Deleting a security group that AWS may still hold: shared by destroy and init's rollback.

A deleted proxy's network interfaces linger for minutes and keep its group in use
(DependencyViolation), so the delete is retried with backoff until the timeout.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from proxyctl.aws.errors import aws_code, aws_errors
from proxyctl.errors import AwsRefusedError, ProxyctlError

if TYPE_CHECKING:
    from proxyctl.aws.actions import RunContext
    from proxyctl.aws.clients import Clients

MAX_DELAY = 30.0


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
