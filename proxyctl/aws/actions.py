"""The AWS calls behind each plan step, and the call that undoes each one."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from proxyctl.aws import groups, proxies
from proxyctl.aws.clients import Clients
from proxyctl.aws.errors import aws_code, aws_errors
from proxyctl.errors import ConnectionProblem, NotFoundError, ProxyctlError
from proxyctl.model.proxy import AUTH_KEYS, BAD_PROXY_STATES, TargetHealth, summary, with_health

Undo = tuple[str, dict[str, Any]]
BUSY_CODES = {"InvalidDBClusterStateFault", "InvalidDBInstanceStateFault"}


@dataclass
class RunContext:
    """What the steps need beyond their parameters: the password, time, progress."""

    password: str | None = None
    timeout: float = 900.0
    poll: float = 5.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    report: Callable[[str], None] = lambda message: None
    warnings: list[str] = field(default_factory=list)
    # A generated password is not on the database yet: AUTH_FAILURE is expected.
    expect_auth_failure: bool = False


def create_secret(c: Clients, p: dict[str, Any], ctx: RunContext) -> tuple[dict[str, Any], Undo]:
    if not ctx.password:
        raise ProxyctlError("create_secret needs a password")  # the CLI always supplies one
    value = json.dumps({**p["SecretFields"], "password": ctx.password})
    with aws_errors(f"create the secret {p['Name']}"):
        made = c.secrets.create_secret(
            Name=p["Name"], Description=p["Description"], SecretString=value, Tags=p["Tags"]
        )
    return {"ARN": made["ARN"]}, (
        "delete_secret",
        {"SecretId": made["ARN"], "ForceDeleteWithoutRecovery": True},
    )


def create_role(c: Clients, p: dict[str, Any], ctx: RunContext) -> tuple[dict[str, Any], Undo]:
    with aws_errors(f"create the IAM role {p['RoleName']}"):
        role = c.iam.create_role(**p)["Role"]
    return {"Arn": role["Arn"]}, ("delete_role", {"RoleName": p["RoleName"]})


def put_role_policy(c: Clients, p: dict[str, Any], ctx: RunContext) -> tuple[dict[str, Any], Undo]:
    keys = {"RoleName": p["RoleName"], "PolicyName": p["PolicyName"]}
    try:
        with aws_errors("read the role policy"):
            before = c.iam.get_role_policy(**keys)["PolicyDocument"]
    except NotFoundError:
        before = None
    with aws_errors(f"put the inline policy {p['PolicyName']} on {p['RoleName']}"):
        c.iam.put_role_policy(**keys, PolicyDocument=json.dumps(p["PolicyDocument"]))
    if before is None:
        return {}, ("delete_role_policy", keys)
    return {}, ("put_role_policy_back", {**keys, "PolicyDocument": before})


def create_security_group(
    c: Clients, p: dict[str, Any], ctx: RunContext
) -> tuple[dict[str, Any], Undo]:
    with aws_errors(f"create the security group {p['GroupName']}"):
        group = c.ec2.create_security_group(**p)["GroupId"]
    return {"GroupId": group}, ("delete_security_group", {"GroupId": group})


def authorize_ingress(
    c: Clients, p: dict[str, Any], ctx: RunContext
) -> tuple[dict[str, Any], Undo]:
    with aws_errors(f"add rules to the security group {p['GroupId']}"):
        c.ec2.authorize_security_group_ingress(**p)
    return {}, ("revoke_ingress", p)


def revoke_ingress(c: Clients, p: dict[str, Any], ctx: RunContext) -> tuple[dict[str, Any], Undo]:
    with aws_errors(f"remove rules from the security group {p['GroupId']}"):
        c.ec2.revoke_security_group_ingress(**p)
    return {}, ("authorize_ingress_back", p)


# The outbound rule EC2 gives every new security group.
ALL_OUTBOUND = {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}


def limit_egress(c: Clients, p: dict[str, Any], ctx: RunContext) -> tuple[dict[str, Any], Undo]:
    """Add the outbound rules in P, then remove the allow-all one EC2 made."""
    with aws_errors(f"set the outbound rules of the security group {p['GroupId']}"):
        c.ec2.authorize_security_group_egress(**p)
        c.ec2.revoke_security_group_egress(GroupId=p["GroupId"], IpPermissions=[ALL_OUTBOUND])
    return {}, ("widen_egress", p)


def _widen_egress(c: Clients, p: dict[str, Any], ctx: RunContext) -> None:
    c.ec2.authorize_security_group_egress(GroupId=p["GroupId"], IpPermissions=[ALL_OUTBOUND])
    c.ec2.revoke_security_group_egress(**p)


def create_proxy(c: Clients, p: dict[str, Any], ctx: RunContext) -> tuple[dict[str, Any], Undo]:
    with aws_errors(f"create the RDS proxy {p['DBProxyName']}"):
        proxy = c.rds.create_db_proxy(**p)["DBProxy"]
    dropped = sorted(set(p["VpcSubnetIds"]) - set(proxy.get("VpcSubnetIds", p["VpcSubnetIds"])))
    if dropped:
        ctx.warnings.append(
            f"AWS left out subnets {', '.join(dropped)} (an AZ RDS Proxy does not support)."
        )
    outputs = {"DBProxyArn": proxy["DBProxyArn"], "Endpoint": proxy.get("Endpoint", "")}
    return outputs, ("delete_proxy", {"DBProxyName": p["DBProxyName"]})


# ModifyDBProxy's parameters, and where DescribeDBProxies shows each one's value.
_PROXY_SETTINGS = {
    "Auth": "Auth",
    "RequireTLS": "RequireTLS",
    "IdleClientTimeout": "IdleClientTimeout",
    "DebugLogging": "DebugLogging",
    "RoleArn": "RoleArn",
    "SecurityGroups": "VpcSecurityGroupIds",
}


def modify_proxy(c: Clients, p: dict[str, Any], ctx: RunContext) -> tuple[dict[str, Any], Undo]:
    """ModifyDBProxy; the undo puts back the values, as AWS had them, of what it changes."""
    name = p["DBProxyName"]
    with aws_errors(f"describe the RDS proxy {name}"):
        now = c.rds.describe_db_proxies(DBProxyName=name)["DBProxies"][0]
    before: dict[str, Any] = {"DBProxyName": name}
    for key, shown_as in _PROXY_SETTINGS.items():
        if key in p and shown_as in now:
            before[key] = now[shown_as]
    if "Auth" in before:  # DescribeDBProxies' entries, as ModifyDBProxy takes them
        before["Auth"] = [
            {k: a[k] for k in AUTH_KEYS if a.get(k) is not None} for a in before["Auth"]
        ]
    with aws_errors(f"change the settings of the RDS proxy {name}"):
        c.rds.modify_db_proxy(**p)
    return {}, ("modify_proxy_back", before)


def _pool_now(c: Clients, name: str) -> dict[str, Any]:
    with aws_errors(f"read the target group of {name}"):
        groups = c.rds.describe_db_proxy_target_groups(DBProxyName=name)["TargetGroups"]
    pool = dict(groups[0].get("ConnectionPoolConfig", {})) if groups else {}
    # InitQuery too, so that the undo puts a changed init query back.
    keys = (
        "MaxConnectionsPercent",
        "MaxIdleConnectionsPercent",
        "ConnectionBorrowTimeout",
        "InitQuery",
    )
    return {k: pool[k] for k in keys if k in pool}


def modify_pool(c: Clients, p: dict[str, Any], ctx: RunContext) -> tuple[dict[str, Any], Undo]:
    before = _pool_now(c, p["DBProxyName"])
    with aws_errors(f"set the connection pool of {p['DBProxyName']}"):
        c.rds.modify_db_proxy_target_group(**p)
    return {}, ("modify_pool_back", {**p, "ConnectionPoolConfig": before})


def register_targets(c: Clients, p: dict[str, Any], ctx: RunContext) -> tuple[dict[str, Any], Undo]:
    """Register, retrying with backoff while the database is creating or configuring."""
    deadline, delay = ctx.clock() + ctx.timeout, ctx.poll
    while True:
        try:
            with aws_errors(f"register targets with {p['DBProxyName']}"):
                c.rds.register_db_proxy_targets(**p)
            return {}, ("deregister_targets", p)
        except ProxyctlError as exc:
            if aws_code(exc) not in BUSY_CODES or ctx.clock() + delay > deadline:
                raise
            ctx.report(f"the database is busy ({aws_code(exc)}); retrying in {delay:.0f} s")
            ctx.sleep(delay)
            delay = min(delay * 2, 60.0)


def wait_healthy(c: Clients, name: str, ctx: RunContext) -> str:
    """Wait until the proxy is available and no target is unavailable; return the state."""
    start = ctx.clock()
    while True:
        found = proxies.read_proxy(c.rds, name)
        if found is None:
            raise NotFoundError(f"the RDS proxy {name} is gone.")
        status = found.status
        targets = with_health(proxies.read_targets(c.rds, name))
        state = summary(status, targets)
        ctx.report(f"waiting {ctx.clock() - start:.0f} s: {state}")
        bad = next((t for t in targets if t.settled_bad and not _expected(t, ctx)), None)
        if status in BAD_PROXY_STATES or bad is not None:
            why = (
                f"{bad.target} is UNAVAILABLE ({bad.reason}): {bad.description}" if bad else status
            )
            raise ConnectionProblem(
                f"the proxy is not healthy: {why}", hint=bad.hint if bad else None
            )
        if (
            status == "available"
            and targets
            and all(t.state == "AVAILABLE" or _expected(t, ctx) for t in targets)
        ):
            return state
        if ctx.clock() - start + ctx.poll > ctx.timeout:
            raise ConnectionProblem(
                f"the proxy was not healthy after {ctx.timeout:.0f} s: {state}.",
                hint="Raise --wait-timeout, or use --no-wait and follow it with proxyctl status.",
            )
        ctx.sleep(ctx.poll)


def _expected(target: TargetHealth, ctx: RunContext) -> bool:
    return ctx.expect_auth_failure and target.reason == "AUTH_FAILURE"


# RDS refuses / @ " and spaces in master passwords; leave out quotes and backslashes too.
PASSWORD_EXCLUDES = "/@\"' \\`"


def random_password(c: Clients) -> str:
    with aws_errors("generate a password (secretsmanager:GetRandomPassword)"):
        made = c.secrets.get_random_password(PasswordLength=32, ExcludeCharacters=PASSWORD_EXCLUDES)
    return str(made["RandomPassword"])


STEPS: dict[str, Callable[[Clients, dict[str, Any], RunContext], tuple[dict[str, Any], Undo]]] = {
    "create_secret": create_secret,
    "create_role": create_role,
    "put_role_policy": put_role_policy,
    "create_security_group": create_security_group,
    "authorize_ingress": authorize_ingress,
    "revoke_ingress": revoke_ingress,
    "limit_egress": limit_egress,
    "create_proxy": create_proxy,
    "modify_proxy": modify_proxy,
    "modify_pool": modify_pool,
    "register_targets": register_targets,
}


def delete_proxy(c: Clients, p: dict[str, Any], ctx: RunContext) -> None:
    """Delete the proxy and wait until it is gone. One that an earlier destroy asked to
    delete (AlreadyDeleting) is only waited for: asking again would be refused."""
    name = {"DBProxyName": p["DBProxyName"]}
    if not p.get("AlreadyDeleting"):
        with aws_errors(f"delete the RDS proxy {p['DBProxyName']}"):
            c.rds.delete_db_proxy(**name)
    wait_proxy_gone(c, name, ctx)


def wait_proxy_gone(c: Clients, p: dict[str, Any], ctx: RunContext) -> None:
    """Wait until DescribeDBProxies no longer finds the proxy (deletion takes minutes)."""
    start = ctx.clock()
    while ctx.clock() - start < ctx.timeout:
        if proxies.read_proxy(c.rds, p["DBProxyName"]) is None:
            return
        ctx.report(f"waiting for {p['DBProxyName']} to be deleted")
        ctx.sleep(ctx.poll)
    raise ConnectionProblem(
        f"the proxy {p['DBProxyName']} was still there after {ctx.timeout:.0f} s."
    )


def _revoke(c: Clients, p: dict[str, Any], ctx: RunContext) -> None:
    c.ec2.revoke_security_group_ingress(**p)


# The steps of a destroy, which are also the undos of init's steps.
DELETIONS: dict[str, Callable[[Clients, dict[str, Any], RunContext], Any]] = {
    "deregister_targets": lambda c, p, ctx: c.rds.deregister_db_proxy_targets(**p),
    "delete_proxy": delete_proxy,
    "revoke_ingress": _revoke,
    "delete_security_group": groups.delete_security_group,  # retried while it is in use
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
# What puts back a change init made to something it did not create.
PUT_BACK: dict[str, Callable[[Clients, dict[str, Any], RunContext], Any]] = {
    "put_role_policy_back": lambda c, p, ctx: c.iam.put_role_policy(
        **{**p, "PolicyDocument": json.dumps(p["PolicyDocument"])}
    ),
    "authorize_ingress_back": lambda c, p, ctx: c.ec2.authorize_security_group_ingress(**p),
    "widen_egress": _widen_egress,
    "modify_proxy_back": lambda c, p, ctx: c.rds.modify_db_proxy(**p),
    "modify_pool_back": lambda c, p, ctx: c.rds.modify_db_proxy_target_group(**p),
}


def run(
    c: Clients, action: str, params: dict[str, Any], ctx: RunContext
) -> tuple[dict[str, Any], Undo | None]:
    """Run one step of any plan: its outputs, and its undo (a deletion has none)."""
    if action in STEPS:
        return STEPS[action](c, params, ctx)
    with aws_errors(f"{WHAT.get(action, action)} ({_resource(params)})"):
        DELETIONS[action](c, params, ctx)
    return {}, None


def undo(c: Clients, action: str, params: dict[str, Any], ctx: RunContext) -> None:
    with aws_errors(f"undo ({action})"):
        (PUT_BACK.get(action) or DELETIONS[action])(c, params, ctx)


def _resource(params: dict[str, Any]) -> str:
    for key in ("SecretId", "PolicyName", "RoleName", "GroupId", "DBProxyName"):
        if key in params:
            return str(params[key])
    return "?"
