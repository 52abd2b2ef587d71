"""Control-plane checks of the proxy's network: security groups and subnets (pure)."""

from __future__ import annotations

import shlex

from proxyctl.check.facts import DatabaseFacts, ProxyFacts
from proxyctl.check.findings import Finding, fail, ok, skip, warn
from proxyctl.model.database import POSTGRES_PORT

PHASE = "aws"


def network(facts: ProxyFacts, source_sgs: list[str], source_cidrs: list[str]) -> list[Finding]:
    findings = missing_groups(facts)
    findings += client_ingress(facts, source_sgs, source_cidrs)
    findings += [db_ingress(facts, db) for db in facts.databases]
    findings.append(subnets(facts))
    return findings


def _authorize(group: str, port: int, source: str) -> str:
    flag = "--source-group" if source.startswith("sg-") else "--cidr"
    return (
        f"aws ec2 authorize-security-group-ingress --group-id {shlex.quote(group)} "
        f"--protocol tcp --port {port} {flag} {shlex.quote(source)}"
    )


def missing_groups(facts: ProxyFacts) -> list[Finding]:
    findings = []
    for group in facts.missing_groups:
        if group in facts.security_groups:
            hint = (
                "Give the proxy groups that exist: aws rds modify-db-proxy --db-proxy-name "
                f"{shlex.quote(facts.name)} --security-groups SG_ID..."
            )
            said = f"security group {group} of proxy {facts.name} does not exist"
        else:
            hint = "Give the database a security group that exists (modify-db-cluster or "
            hint += "modify-db-instance --vpc-security-group-ids)."
            said = (
                f"security group {group} of the database behind proxy {facts.name} does not exist"
            )
        findings.append(fail("network.groups", PHASE, said, hint, group=group))
    return findings


def client_ingress(
    facts: ProxyFacts, source_sgs: list[str], source_cidrs: list[str]
) -> list[Finding]:
    code, groups = "network.client_ingress", facts.security_groups
    if not source_sgs and not source_cidrs:
        return [
            skip(
                code,
                PHASE,
                "client ingress not checked: pass --source-sg or --source-cidr to check that "
                f"the groups of proxy {facts.name} let this client in",
            )
        ]
    if not groups:
        return [skip(code, PHASE, f"proxy {facts.name} lists no security groups")]
    rules = [r for r in facts.group_rules(groups) if r.lets_in_tcp(POSTGRES_PORT)]
    shown = ", ".join(groups)
    findings = []
    for source in [*source_sgs, *source_cidrs]:
        if source in source_sgs:
            allowed = [r for r in rules if r.source_group == source]
        else:
            allowed = [r for r in rules if r.covers_cidr(source)]
        if allowed:
            said = (
                f"group {allowed[0].group_id} of proxy {facts.name} allows TCP 5432 from {source}"
            )
            findings.append(ok(code, PHASE, said, source=source, group=allowed[0].group_id))
            continue
        findings.append(
            fail(
                code,
                PHASE,
                f"no group of proxy {facts.name} ({shown}) allows TCP 5432 from {source}",
                f"Add an inbound rule to {groups[0]}: "
                + _authorize(groups[0], POSTGRES_PORT, source),
                source=source,
                groups=groups,
            )
        )
    return findings


def _proxy_cidrs(facts: ProxyFacts) -> list[str] | None:
    cidrs = [s.cidr for s in facts.subnets if s.cidr]
    return cidrs if cidrs and len(cidrs) == len(facts.subnets) else None


def db_ingress(facts: ProxyFacts, db: DatabaseFacts) -> Finding:
    code, name = "network.db_ingress", facts.name
    if not db.found:
        said = f"database {db.identifier} behind proxy {name} was not found"
        hint = "Deregister the target, or register the database that replaced it."
        return warn(code, PHASE, said, hint, database=db.identifier)
    rules = [r for r in facts.group_rules(db.security_groups) if r.lets_in_tcp(db.port)]
    by_group = [r for r in rules if r.source_group in facts.security_groups]
    cidrs = _proxy_cidrs(facts)
    by_cidr = [r for r in rules if cidrs and all(r.covers_cidr(c) for c in cidrs)]
    if by_group or by_cidr:
        rule = (by_group or by_cidr)[0]
        source = rule.source_group or rule.cidr
        said = (
            f"group {rule.group_id} of database {db.identifier} allows TCP {db.port} from {source}"
        )
        return ok(code, PHASE, said, database=db.identifier, group=rule.group_id)
    groups = ", ".join(db.security_groups) or "none"
    said = (
        f"no group of database {db.identifier} ({groups}) allows TCP {db.port} from the "
        f"groups of proxy {name} ({', '.join(facts.security_groups) or 'none'})"
    )
    if not db.security_groups or not facts.security_groups:
        hint = "Give the database and the proxy security groups, then allow the proxy's in."
    else:
        db_group, proxy_group = db.security_groups[0], facts.security_groups[0]
        hint = f"Add an inbound rule to {db_group}: {_authorize(db_group, db.port, proxy_group)}"
    return fail(code, PHASE, said, hint, database=db.identifier)


def subnets(facts: ProxyFacts) -> Finding:
    code = "network.subnets"
    azs = sorted({s.az for s in facts.subnets if s.az})
    ids = ", ".join(s.id for s in facts.subnets) or "none"
    plural = "s" if len(azs) != 1 else ""
    said = f"the subnets of proxy {facts.name} ({ids}) span {len(azs)} AZ{plural}"
    gone = [s.id for s in facts.subnets if not s.az]
    if gone:
        return fail(
            code,
            PHASE,
            f"subnet{'s' if len(gone) > 1 else ''} {', '.join(gone)} of proxy {facts.name} "
            "no longer exist" + ("" if len(gone) > 1 else "s"),
            "A proxy's subnets cannot be changed: recreate the proxy with existing subnets in "
            "two AZs of the database's VPC (proxyctl init --subnet ...).",
            missing=gone,
        )
    if len(azs) >= 2:
        return ok(code, PHASE, f"{said}: {', '.join(azs)}", azs=azs)
    return warn(
        code,
        PHASE,
        said + (f" ({azs[0]})" if azs else ""),
        "RDS Proxy needs subnets in at least two AZs to survive an AZ outage; its subnets "
        "cannot be changed: recreate it with subnets in two AZs of the database's VPC "
        "(proxyctl init --subnet ...).",
        azs=azs,
    )
