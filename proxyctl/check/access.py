"""Control-plane checks of the proxy's secrets and of its role's right to read them (pure)."""

from __future__ import annotations

import json
import shlex
from typing import Any

from proxyctl.check.facts import ProxyFacts, RoleFacts, SecretFacts
from proxyctl.check.findings import Finding, Status, fail, ok, skip, warn
from proxyctl.check.policy import Decision, Verdict, decide, naming_principal
from proxyctl.model.iam import trust_policy

PHASE = "aws"
SECRET_SHAPE = '{"username": "...", "password": "..."}'
GET_SECRET = "secretsmanager:GetSecretValue"


def secrets_for_user(facts: ProxyFacts, user: str | None) -> list[SecretFacts]:
    return [s for s in facts.secrets if user is not None and s.username == user]


def role_and_secrets(facts: ProxyFacts, user: str | None) -> list[Finding]:
    findings = role_findings(facts)
    for secret in facts.secrets:
        findings += secret_findings(facts, secret)
    if user is not None:
        findings += user_has_secret(facts, user)
    return findings


def _compact(document: Any) -> str:
    return json.dumps(document, separators=(",", ":"))


def role_findings(facts: ProxyFacts) -> list[Finding]:
    role, proxy = facts.role, facts.name
    name = role.name if role else facts.role_arn.rsplit("/", 1)[-1]
    if role is None or not role.exists:
        return [
            fail(
                "role.exists",
                PHASE,
                f"role {facts.role_arn} of proxy {proxy} does not exist",
                f"Create role {name} trusted by rds.amazonaws.com, or give the proxy another "
                f"role: aws rds modify-db-proxy --db-proxy-name {shlex.quote(proxy)} "
                "--role-arn ROLE_ARN",
                role=facts.role_arn,
            )
        ]
    if role.read_error:
        return [skip("role.trust", PHASE, f"could not read role {name}: {role.read_error}")]
    if role.trusts_rds:
        return [ok("role.trust", PHASE, f"role {name} trusts rds.amazonaws.com", role=role.arn)]
    return [
        fail(
            "role.trust",
            PHASE,
            f"role {name} of proxy {proxy} does not let rds.amazonaws.com assume it",
            f"Let RDS assume it (this replaces the trust policy: keep other principals it "
            f"needs): aws iam update-assume-role-policy --role-name {shlex.quote(name)} "
            f"--policy-document {shlex.quote(_compact(trust_policy()))}",
            role=role.arn,
        )
    ]


def secret_findings(facts: ProxyFacts, secret: SecretFacts) -> list[Finding]:
    found = secret_exists(facts, secret)
    if found.status is Status.FAIL:
        return [found]
    findings = [found]
    if secret.exists:
        findings.append(secret_format(secret))
    role = facts.role
    if role is None or not role.exists or role.read_error:
        return findings  # role.exists or role.trust already says why
    if role.policy_error:
        said = f"could not read the policies of role {role.name}: {role.policy_error}"
        return [*findings, skip("role.policy", PHASE, said, role=role.arn, secret=secret.arn)]
    findings.append(can_read(role, secret))
    if secret.exists:  # else its KMS key is unknown
        findings.append(can_decrypt(facts, role, secret))
    return findings


def secret_exists(facts: ProxyFacts, secret: SecretFacts) -> Finding:
    arn, code = secret.arn, "secret.exists"
    if secret.exists is None:
        return skip(code, PHASE, f"could not describe secret {arn}: {secret.read_error}")
    if not secret.exists:
        return fail(
            code,
            PHASE,
            f"secret {arn} of proxy {facts.name} does not exist",
            "Create a secret with the database user's credentials and give the proxy its ARN, "
            "or remove this Auth item, listing every secret in --auth: aws rds modify-db-proxy "
            f"--db-proxy-name {shlex.quote(facts.name)} --auth ...",
            secret=arn,
        )
    if secret.scheduled_for_deletion:
        return fail(
            code,
            PHASE,
            f"secret {arn} of proxy {facts.name} is scheduled for deletion",
            f"Restore it: aws secretsmanager restore-secret --secret-id {shlex.quote(arn)}",
            secret=arn,
        )
    return ok(code, PHASE, f"secret {arn} exists", secret=arn)


def secret_format(secret: SecretFacts) -> Finding:
    arn, code = secret.arn, "secret.format"
    hint = (
        f"RDS Proxy reads {SECRET_SHAPE} from the secret: write both keys, e.g. "
        f"aws secretsmanager put-secret-value --secret-id {shlex.quote(arn)} "
        "--secret-string file://creds.json"
    )
    if secret.is_json is None:
        return skip(code, PHASE, f"could not read secret {arn}: {secret.read_error}")
    if not secret.is_json:
        return fail(code, PHASE, f"secret {arn} is not a JSON object", hint, secret=arn)
    has = {"username": secret.has_username, "password": secret.has_password}
    missing = [key for key, present in has.items() if not present]
    if missing:
        said = f"secret {arn} has no {' or '.join(missing)}"
        return fail(code, PHASE, said, hint, secret=arn, missing=missing)
    user = f" for database user {secret.username}" if secret.username else ""
    return ok(code, PHASE, f"secret {arn} holds a username and password{user}", secret=arn)


def _all_policies(role: RoleFacts) -> dict[str, Any]:
    return {**role.inline, **role.managed}


def _allowed_by(decision: Decision) -> str:
    return f" (policy {decision.policy}" + (", under a condition)" if decision.conditional else ")")


def can_read(role: RoleFacts, secret: SecretFacts) -> Finding:
    code, arn = "role.policy", secret.arn
    decision = decide(_all_policies(role), GET_SECRET, arn)
    if decision.verdict is Verdict.ALLOWED:
        said = f"role {role.name} may read secret {arn}" + _allowed_by(decision)
        return ok(code, PHASE, said, role=role.arn, secret=arn)
    if decision.verdict is Verdict.DENIED:
        return fail(
            code,
            PHASE,
            f"policy {decision.policy} of role {role.name} denies {GET_SECRET} on {arn}",
            f"Remove {arn} from that Deny statement (or narrow it) in {decision.policy}.",
            role=role.arn,
            secret=arn,
        )
    statement = {"Effect": "Allow", "Action": GET_SECRET, "Resource": arn}
    return fail(
        code,
        PHASE,
        f"no policy of role {role.name} allows {GET_SECRET} on secret {arn}",
        f"Add {arn} to the role's secrets policy, or add this statement to an inline "
        f"policy of {role.name}: {_compact(statement)}",
        role=role.arn,
        secret=arn,
    )


KEY_POLICY = "the key policy"


def _account_root(role_arn: str) -> list[str]:
    """How a key policy names the role's account (which lets IAM policies grant use)."""
    parts = role_arn.split(":")
    if len(parts) < 5:
        return []
    return [f"arn:{parts[1]}:iam::{parts[4]}:root", parts[4]]


def kms_decision(role: RoleFacts, secret: SecretFacts, key: str) -> Decision:
    """May ROLE kms:Decrypt KEY? The key policy must grant it directly, or let the account's
    IAM policies grant it (the default key policy does) and one of the role's does."""
    in_iam = decide(_all_policies(role), "kms:Decrypt", key)
    if secret.key_policy is None:
        return in_iam  # unread: assume the default key policy, which defers to IAM
    direct = decide(
        {KEY_POLICY: naming_principal(secret.key_policy, [role.arn])}, "kms:Decrypt", key
    )
    if direct.verdict is not Verdict.NOT_ALLOWED and in_iam.verdict is not Verdict.DENIED:
        return direct
    root = naming_principal(secret.key_policy, _account_root(role.arn))
    defers = decide({KEY_POLICY: root}, "kms:Decrypt", key).verdict is Verdict.ALLOWED
    if in_iam.verdict is Verdict.ALLOWED and not defers:
        return Decision(Verdict.NOT_ALLOWED, KEY_POLICY)
    return in_iam


def can_decrypt(facts: ProxyFacts, role: RoleFacts, secret: SecretFacts) -> Finding:
    code, arn = "role.kms", secret.arn
    if not secret.kms_key_id or secret.customer_managed_key is False:
        said = f"secret {arn} uses the AWS-managed key: no kms:Decrypt needed"
        return ok(code, PHASE, said, secret=arn)
    key = secret.kms_key_arn or secret.kms_key_id
    decision = kms_decision(role, secret, key)
    details = {"role": role.arn, "key": key, "secret": arn}
    if decision.verdict is Verdict.ALLOWED:
        said = f"role {role.name} may decrypt secret {arn} with key {key}" + _allowed_by(decision)
        return ok(code, PHASE, said, **details)
    unsure = secret.customer_managed_key is None
    said = f"role {role.name} may not kms:Decrypt key {key} of secret {arn}" + (
        " (if that key is customer managed)" if unsure else ""
    )
    via = {"kms:ViaService": f"secretsmanager.{facts.region}.amazonaws.com"}
    statement: dict[str, Any] = {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key}
    statement["Condition"] = {"StringEquals": via}
    hint = f"Add this statement to an inline policy of {role.name}: {_compact(statement)}"
    if decision.verdict is Verdict.DENIED:
        hint = f"Remove {key} from the Deny statement in {decision.policy}. " + hint
    elif decision.policy == KEY_POLICY:
        principal = {"AWS": role.arn}
        hint = f"Key {key}'s policy does not let IAM policies grant its use: add to the key " + (
            f"policy: {_compact({**statement, 'Principal': principal, 'Resource': '*'})}"
        )
    return (warn if unsure else fail)(code, PHASE, said, hint, **details)


def user_has_secret(facts: ProxyFacts, user: str) -> list[Finding]:
    """Whether some secret is for USER: otherwise the proxy says "no credentials for the role"."""
    readable = [s for s in facts.secrets if s.is_json]
    if facts.default_auth_scheme == "IAM_AUTH" or len(readable) < len(facts.secrets):
        return []  # end-to-end IAM needs no secret; an unread secret may be the user's
    if secrets_for_user(facts, user):
        return [ok("secret.user", PHASE, f"proxy {facts.name} has a secret for user {user}")]
    users = ", ".join(sorted({s.username for s in readable if s.username})) or "none"
    return [
        fail(
            "secret.user",
            PHASE,
            f"proxy {facts.name} has no secret for database user {user}",
            f"Connect as a user it has a secret for ({users}), or make a secret for {user} and "
            "add it to the proxy's Auth, listing every secret: aws rds modify-db-proxy "
            f"--db-proxy-name {shlex.quote(facts.name)} --auth ...",
            user=user,
        )
    ]
