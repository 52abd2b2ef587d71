"""How an existing proxy differs from the spec: what ModifyDBProxy can change, what it cannot.

ModifyDBProxy takes Auth (IAM auth, client password auth type, secret), RequireTLS,
IdleClientTimeout, DebugLogging, RoleArn and SecurityGroups; a proxy's subnets, VPC
and engine family are fixed at creation (botocore's RDS service model), so a
difference there is refused, never planned.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from proxyctl.errors import UsageError
from proxyctl.model.proxy import AUTH_KEYS, Proxy
from proxyctl.provision.model import Discovery
from proxyctl.provision.spec import CLIENT_AUTH, Spec
from proxyctl.provision.steps import Ref
from proxyctl.provision.wizard import DATABASE_FLAGS

ENGINE_FAMILY = "POSTGRESQL"
_AUTH_NAMES = {value: key for key, value in CLIENT_AUTH.items()}
# The pool settings init controls, in the words of the plan.
POOL_SETTINGS = {
    "MaxConnectionsPercent": ("max connections", "%", "--max-connections-percent"),
    "MaxIdleConnectionsPercent": ("max idle connections", "%", "--max-idle-connections-percent"),
    "ConnectionBorrowTimeout": ("borrow timeout", " s", "--connection-borrow-timeout"),
    "InitQuery": ("init query", "", "--init-query"),
}


@dataclass
class Difference:
    setting: str
    current: str
    wanted: str
    flag: str  # the flag (or spec key) that sets it

    def line(self) -> str:
        return f"{self.setting}: {self.current} -> {self.wanted}"


def _shown(value: Any) -> str:
    if isinstance(value, Ref):
        return f"the new {value.step.replace('-', ' ')}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_shown(v) for v in value) or "none"
    return "none" if value is None else str(value)


def main_auth(proxy: Proxy) -> dict[str, Any]:
    """The proxy's secret entry that init made (its description names the stack), or the
    first one."""
    entries = [a.as_api() for a in proxy.auth]
    ours = [a for a in entries if a.get("Description") == f"proxyctl {proxy.name}"]
    return dict((ours or entries or [{}])[0])


def fixed_differences(spec: Spec, found: Discovery, proxy: Proxy) -> list[Difference]:
    """What only destroy-then-init can change."""
    out: list[Difference] = []
    if proxy.engine_family and proxy.engine_family != ENGINE_FAMILY:
        out.append(Difference("engine family", proxy.engine_family, ENGINE_FAMILY, DATABASE_FLAGS))
    if proxy.vpc_id and proxy.vpc_id != found.database.vpc_id:
        out.append(Difference("VPC", proxy.vpc_id, found.database.vpc_id, DATABASE_FLAGS))
    wanted = sorted(s.id for s in found.subnets)
    # AWS leaves out subnets in AZs RDS Proxy does not support: fewer is not a difference.
    if set(proxy.subnets) - set(wanted):
        out.append(Difference("subnets", _shown(sorted(proxy.subnets)), _shown(wanted), "--subnet"))
    return out


def refuse_fixed(spec: Spec, differences: list[Difference]) -> None:
    lines = [f"init cannot change RDS Proxy {spec.name} in place:"]
    lines += [f"  {d.line()}" for d in differences]
    raise UsageError(
        "\n".join(lines),
        hint=f"Remove it with `proxyctl destroy {spec.name}` and run init again, or change "
        f"the spec ({', '.join(dict.fromkeys(d.flag for d in differences))}) to match it.",
        field=differences[0].flag,
    )


# (setting, flag, current, wanted, ModifyDBProxy parameter) for each compared setting.
Compared = tuple[str, str, Any, Any, str]


def _compared(
    spec: Spec, proxy: Proxy, secret_arn: str | Ref, role_arn: str | Ref
) -> list[Compared]:
    auth = main_auth(proxy)
    client_auth = auth.get("ClientPasswordAuthType")
    return [
        ("TLS required", "--require-tls", proxy.require_tls, spec.require_tls, "RequireTLS"),
        ("IAM auth", "--iam-auth", auth.get("IAMAuth"), spec.iam_auth, "Auth"),
        (
            "client password auth",
            "--client-password-auth",
            _AUTH_NAMES.get(client_auth or "", client_auth),
            spec.client_password_auth,
            "Auth",
        ),
        ("secret", "--secret", auth.get("SecretArn"), secret_arn, "Auth"),
        (
            "idle client timeout",
            "--idle-client-timeout",
            proxy.idle_client_timeout,
            spec.idle_client_timeout,
            "IdleClientTimeout",
        ),
        (
            "debug logging",
            "--debug-logging",
            proxy.debug_logging,
            spec.debug_logging,
            "DebugLogging",
        ),
        ("role", "--role-arn", proxy.role_arn, role_arn, "RoleArn"),
    ]


def proxy_changes(
    spec: Spec,
    proxy: Proxy,
    secret_arn: str | Ref,
    role_arn: str | Ref,
    groups: list[str | Ref],
) -> tuple[list[Difference], dict[str, Any]]:
    """The differences ModifyDBProxy can make, and its parameters for them."""
    diffs: list[Difference] = []
    params: dict[str, Any] = {}
    for setting, flag, current, wanted, key in _compared(spec, proxy, secret_arn, role_arn):
        if current != wanted:
            diffs.append(
                Difference(setting, _value(setting, current), _value(setting, wanted), flag)
            )
            params[key] = wanted
    if "Auth" in params:  # the whole list: the proxy's other entries stay as they are
        auth = main_auth(proxy)
        wanted_auth = {
            **auth,
            "AuthScheme": "SECRETS",
            "SecretArn": secret_arn,
            "IAMAuth": spec.iam_auth,
            "ClientPasswordAuthType": spec.client_auth_type,
        }
        others = [_auth_request(a.as_api()) for a in proxy.auth if a.as_api() != auth]
        params["Auth"] = [*others, _auth_request(wanted_auth)]
    # A group init is about to create (a Ref) is new to the proxy by definition.
    if sorted(map(str, proxy.security_groups)) != sorted(map(str, groups)) or any(
        isinstance(g, Ref) for g in groups
    ):
        shown = (_shown(list(proxy.security_groups)), _shown(groups))
        diffs.append(Difference("security groups", *shown, "--security-group"))
        params["SecurityGroups"] = groups
    return diffs, params


def _value(setting: str, value: Any) -> str:
    if setting == "idle client timeout" and isinstance(value, int):
        return f"{value} s"
    if setting == "debug logging" and isinstance(value, bool):
        return "on" if value else "off"
    return _shown(value)


def _auth_request(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: entry[k] for k in AUTH_KEYS if entry.get(k) is not None}


def pool_changes(current: dict[str, Any], wanted: dict[str, Any]) -> list[Difference]:
    out = []
    for key, value in wanted.items():
        if current.get(key) != value:
            setting, unit, flag = POOL_SETTINGS[key]
            before = "none" if current.get(key) is None else f"{current[key]}{unit}"
            out.append(Difference(setting, before, f"{value}{unit}", flag))
    return out
