"""The control-plane half of `proxyctl check`: ProxyFacts -> findings (pure, no AWS).

Every finding has phase "aws" and a stable code: proxy.status, proxy.require_tls,
proxy.iam_auth, target.health, secret.exists, secret.format, secret.user,
role.exists, role.trust, role.policy, role.kms, network.groups,
network.client_ingress, network.db_ingress, network.subnets.
"""

from __future__ import annotations

import json
import shlex

from proxyctl.check.access import role_and_secrets, secrets_for_user
from proxyctl.check.facts import ProxyFacts
from proxyctl.check.findings import Finding, fail, ok, skip, warn
from proxyctl.check.network import network
from proxyctl.model.proxy import HINTS
from proxyctl.validate import AUTH_MODES

PHASE = "aws"
WAIT_STATES = {"creating", "modifying", "reactivating"}
STATUS_HINTS = {
    "creating": "The proxy is being created: wait a few minutes and check again.",
    "modifying": "A change to the proxy is being applied: wait a minute and check again.",
    "reactivating": "RDS is bringing the suspended proxy back: wait and check again.",
    "incompatible-network": "RDS cannot use the proxy's network: check that its subnets and "
    "security groups still exist and that the subnets have free IP addresses.",
    "insufficient-resource-limits": "An account or subnet limit is reached (proxies, network "
    "interfaces, free IPs in the proxy's subnets): free some or raise the quota.",
    "suspending": "RDS is suspending the proxy after a long network or limits problem: fix "
    "that (subnets, security groups, free IPs, quotas) so that RDS can reactivate it.",
    "suspended": "RDS suspended the proxy after a long network or limits problem: fix that "
    "(subnets, security groups, free IPs, quotas) so that RDS can reactivate it.",
    "deleting": "The proxy is being deleted: create it again (proxyctl init) when it is gone.",
}


def control_plane(
    facts: ProxyFacts,
    *,
    auth: str,
    source_sgs: list[str],
    source_cidrs: list[str],
    user: str | None = None,
) -> list[Finding]:
    """What AWS says about the proxy, judged for a client using AUTH ("iam", "secret",
    "password") from SOURCE_SGS / SOURCE_CIDRS, as database USER when known."""
    if auth not in AUTH_MODES:
        raise ValueError(f"auth must be one of {AUTH_MODES}, not {auth!r}")
    findings = [proxy_status(facts), require_tls(facts), iam_auth(facts, auth, user)]
    findings += target_health(facts)
    findings += role_and_secrets(facts, user)
    findings += network(facts, source_sgs, source_cidrs)
    return findings


def proxy_status(facts: ProxyFacts) -> Finding:
    status = facts.status
    said = f"proxy {facts.name} is {status}"
    if status == "available":
        return ok("proxy.status", PHASE, said, proxy=facts.name, status=status)
    hint = STATUS_HINTS.get(status, "Look at the proxy in the RDS console and its RDS events.")
    judge = warn if status in WAIT_STATES else fail
    return judge("proxy.status", PHASE, said, hint, proxy=facts.name, status=status)


def require_tls(facts: ProxyFacts) -> Finding:
    if facts.require_tls:
        return ok("proxy.require_tls", PHASE, f"proxy {facts.name} requires TLS", proxy=facts.name)
    return warn(
        "proxy.require_tls",
        PHASE,
        f"proxy {facts.name} accepts plaintext connections (RequireTLS is off)",
        "Refuse plaintext clients (they then need sslmode=require or better; use "
        "verify-full): aws rds modify-db-proxy --db-proxy-name "
        f"{shlex.quote(facts.name)} --require-tls",
        proxy=facts.name,
    )


def modify_auth_command(facts: ProxyFacts, iam_auth: str) -> str:
    """The modify-db-proxy call that sets IAMAuth on every Auth item (it replaces them all)."""
    items = []
    for item in facts.auth:
        entry = {
            "AuthScheme": item.scheme,
            "SecretArn": item.secret_arn,
            "IAMAuth": iam_auth,
            "ClientPasswordAuthType": item.client_password_auth,
            "Description": item.description,
        }
        items.append({k: v for k, v in entry.items() if v is not None})
    document = json.dumps(items, separators=(",", ":"))
    name = shlex.quote(facts.name)
    return f"aws rds modify-db-proxy --db-proxy-name {name} --auth {shlex.quote(document)}"


def iam_auth(facts: ProxyFacts, auth: str, user: str | None) -> Finding:
    name, code = facts.name, "proxy.iam_auth"
    end_to_end = facts.default_auth_scheme == "IAM_AUTH"
    arns = {s.arn for s in secrets_for_user(facts, user)}
    items = [i for i in facts.auth if i.secret_arn in arns] or facts.auth
    modes = sorted({i.iam_auth for i in items})
    shown = "/".join(modes) or "no secrets"
    if auth == "iam":
        if end_to_end or any(mode != "DISABLED" for mode in modes):
            return ok(code, PHASE, f"proxy {name} accepts IAM tokens (IAMAuth {shown})")
        return fail(
            code,
            PHASE,
            f"proxy {name} has IAM authentication DISABLED, but the client uses an IAM token",
            "Connect with the database password (--auth secret or --auth password), or turn "
            f"IAM authentication on: {modify_auth_command(facts, 'REQUIRED')}",
            iam_auth=modes,
        )
    if (end_to_end and not facts.auth) or (modes and all(m == "REQUIRED" for m in modes)):
        why = "DefaultAuthScheme IAM_AUTH" if end_to_end and not facts.auth else "IAMAuth REQUIRED"
        return fail(
            code,
            PHASE,
            f"proxy {name} refuses passwords ({why}), but the client sends a password",
            "Connect with an IAM token (--auth iam; `proxyctl token` makes one), or let "
            f"passwords in: {modify_auth_command(facts, 'DISABLED')}",
            iam_auth=modes,
        )
    return ok(code, PHASE, f"proxy {name} accepts passwords (IAMAuth {shown})")


def target_health(facts: ProxyFacts) -> list[Finding]:
    code, name = "target.health", facts.name
    if not facts.targets:
        return [
            fail(
                code,
                PHASE,
                f"proxy {name} has no registered targets",
                "Register the database (--db-instance-identifiers INSTANCE for an instance): "
                "aws rds register-db-proxy-targets --db-proxy-name "
                f"{shlex.quote(name)} --target-group-name default "
                "--db-cluster-identifiers CLUSTER",
            )
        ]
    findings = []
    for t in facts.targets:
        role = f" ({t.role})" if t.role != "UNKNOWN" else ""
        said = f"target {t.target}{role} of proxy {name} is {t.state}"
        details = {"target": t.target, "state": t.state, "reason": t.reason}
        if t.state == "AVAILABLE":
            findings.append(ok(code, PHASE, said, **details))
        elif t.state == "UNUSED":
            findings.append(skip(code, PHASE, said + ": the proxy does not route to it", **details))
        elif t.state == "REGISTERING" or t.reason == "PENDING_PROXY_CAPACITY":
            reason = f" ({t.reason})" if t.reason else ""
            hint = t.hint or "The proxy is still registering the target: wait and check again."
            findings.append(warn(code, PHASE, said + reason, hint, **details))
        else:
            reason = f" ({t.reason})" if t.reason else ""
            said += reason + (f": {t.description}" if t.description else "")
            hint = t.hint or HINTS["CONNECTION_FAILED"]
            findings.append(fail(code, PHASE, said, hint, **details))
    return findings
