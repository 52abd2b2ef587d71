"""`destroy`'s AWS side: delete a stack's parts one by one (proxyctl.provision.found
finds them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from proxyctl.aws import actions
from proxyctl.aws.clients import Clients
from proxyctl.aws.errors import aws_errors
from proxyctl.aws.groups import delete_security_group

RunContext = actions.RunContext


# --- deletions -----------------------------------------------------------------------


def delete_proxy(c: Clients, p: dict[str, Any], ctx: RunContext) -> None:
    params = {"DBProxyName": p["DBProxyName"]}
    if not p.get("AlreadyDeleting"):
        actions.delete_proxy(c, params, ctx)
        return
    actions.wait_proxy_gone(c, params, ctx)  # an earlier destroy asked already: only wait


STEPS: dict[str, Callable[[Clients, dict[str, Any], RunContext], Any]] = {
    "deregister_targets": lambda c, p, ctx: c.rds.deregister_db_proxy_targets(**p),
    "delete_proxy": delete_proxy,
    "revoke_ingress": lambda c, p, ctx: c.ec2.revoke_security_group_ingress(**p),
    "delete_security_group": delete_security_group,
    "detach_role_policy": lambda c, p, ctx: c.iam.detach_role_policy(**p),
    "delete_role_policy": lambda c, p, ctx: c.iam.delete_role_policy(**p),
    "delete_role": lambda c, p, ctx: c.iam.delete_role(**p),
    "delete_secret": lambda c, p, ctx: c.secrets.delete_secret(**p),
}
WHAT = {
    "deregister_targets": "deregister the proxy's targets",
    "revoke_ingress": "revoke a security group rule",
    "detach_role_policy": "detach a managed policy",
    "delete_role_policy": "delete an inline role policy",
    "delete_role": "delete the IAM role",
    "delete_secret": "delete the secret",
}


def run_step(c: Clients, action: str, params: dict[str, Any], ctx: RunContext) -> None:
    with aws_errors(f"{WHAT.get(action, action)} ({_resource(params)})"):
        STEPS[action](c, params, ctx)


def _resource(params: dict[str, Any]) -> str:
    for key in ("SecretId", "PolicyName", "RoleName", "GroupId", "DBProxyName"):
        if key in params:
            return str(params[key])
    return "?"
