"""The control-plane checks: read_proxy_facts against moto, control_plane on the facts.

moto builds real stacks (tests/provision_helpers.py); each test then breaks one
thing with boto3 and asserts the finding a user would read. moto reports every
target AVAILABLE and never a Reason, so target health uses botocore's Stubber.
The last part unit-tests control_plane on hand-built facts (pure, fast).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from proxyctl.aws.clients import Clients
from proxyctl.check.access import GET_SECRET
from proxyctl.check.control import control_plane
from proxyctl.check.facts import DatabaseFacts, ProxyFacts, RoleFacts, SecretFacts
from proxyctl.check.findings import Finding, Status
from proxyctl.check.policy import Verdict, decide
from proxyctl.check.read import read_proxy_facts
from proxyctl.errors import ExitCode, NotFoundError
from proxyctl.model.network import Rule, Subnet
from proxyctl.model.proxy import HINTS, AuthEntry, Proxy, TargetHealth
from proxyctl.provision import policies
from tests.aws_world import REGION, boto_client, seed_aurora
from tests.provision_helpers import STACK_PASSWORD, clients, make_stack

CLIENT_CIDR = "10.0.3.0/24"  # inside the stack's allowed 10.0.0.0/16
EVERY_CODE = {
    "proxy.status",
    "proxy.require_tls",
    "proxy.iam_auth",
    "target.health",
    "secret.exists",
    "secret.format",
    "role.trust",
    "role.policy",
    "role.kms",
    "network.client_ingress",
    "network.db_ingress",
    "network.subnets",
}


def only(findings: list[Finding], code: str) -> Finding:
    found = [f for f in findings if f.code == code]
    assert len(found) == 1, f"{code}: {found}"
    return found[0]


def check(facts: ProxyFacts, auth: str = "iam", **kwargs: Any) -> list[Finding]:
    sources: dict[str, Any] = {"source_sgs": [], "source_cidrs": [CLIENT_CIDR], **kwargs}
    findings = control_plane(facts, auth=auth, **sources)
    for f in findings:  # what every finding owes the user
        assert f.phase == "aws"
        assert f.status is Status.OK or f.status is Status.SKIP or f.hint, f
    return findings


# --- against moto ------------------------------------------------------------------------


@dataclass
class Stack:
    endpoint: str
    c: Clients
    secret_arn: str
    role: str
    proxy_group: str
    db_group: str

    def facts(self) -> ProxyFacts:
        return read_proxy_facts(self.c, "orders")


def stack_in(endpoint: str, **answers: Any) -> Stack:
    """The sample database, and a stack `orders` made by init's own code in front of it."""
    made = seed_aurora(endpoint)
    make_stack(endpoint, "orders", **answers)
    c = clients(endpoint)
    proxy = c.rds.describe_db_proxies(DBProxyName="orders")["DBProxies"][0]
    return Stack(
        endpoint,
        c,
        secret_arn=proxy["Auth"][0]["SecretArn"],
        role=proxy["RoleArn"].rsplit("/", 1)[-1],
        proxy_group=proxy["VpcSecurityGroupIds"][0],
        db_group=made["group"],
    )


@pytest.fixture
def stack(aws: str) -> Stack:
    return stack_in(aws)


def test_a_healthy_stack_is_all_ok(stack: Stack) -> None:
    facts = stack.facts()
    findings = check(facts)
    assert {f.code for f in findings} == EVERY_CODE
    assert [f for f in findings if f.status is not Status.OK] == []
    assert only(findings, "network.client_ingress").message == (
        f"group {stack.proxy_group} of proxy orders allows TCP 5432 from {CLIENT_CIDR}"
    )
    assert only(findings, "role.policy").message == (
        f"role orders-rds-proxy may read secret {stack.secret_arn} (policy proxyctl-secrets)"
    )
    assert STACK_PASSWORD not in repr(facts) + repr(findings)


def test_the_facts_read_from_moto(stack: Stack) -> None:
    facts = stack.facts()
    assert facts.status == "available" and facts.require_tls
    assert facts.auth == [
        AuthEntry(
            stack.secret_arn, "REQUIRED", "SECRETS", "POSTGRES_SCRAM_SHA_256", "proxyctl orders"
        )
    ]
    assert len({s.az for s in facts.subnets}) == 2
    assert [(d.identifier, d.kind, d.security_groups) for d in facts.databases] == [
        ("orders-db", "cluster", [stack.db_group])
    ]
    secret = facts.secrets[0]
    assert (secret.is_json, secret.has_password, secret.username) == (True, True, "app")
    assert facts.role is not None and facts.role.trusts_rds
    assert list(facts.role.inline) == ["proxyctl-secrets"]


def test_an_unknown_proxy_lists_the_proxies(stack: Stack) -> None:
    with pytest.raises(NotFoundError) as caught:
        read_proxy_facts(stack.c, "ordres")
    assert caught.value.exit_code == ExitCode.NOT_FOUND
    assert caught.value.message == "--proxy: no RDS proxy named 'ordres' in us-east-1."
    assert caught.value.hint is not None and "us-east-1: orders." in caught.value.hint


def test_a_secret_that_is_not_json(stack: Stack) -> None:
    value = "plain-text-password-Zq81"
    boto_client(stack.endpoint, "secretsmanager").put_secret_value(
        SecretId=stack.secret_arn, SecretString=value
    )
    facts = stack.facts()
    finding = only(check(facts), "secret.format")
    assert finding.status is Status.FAIL
    assert finding.message == f"secret {stack.secret_arn} is not a JSON object"
    assert finding.hint is not None and '{"username": "...", "password": "..."}' in finding.hint
    assert value not in repr(facts) + repr(finding)


def test_a_secret_without_password(stack: Stack) -> None:
    boto_client(stack.endpoint, "secretsmanager").put_secret_value(
        SecretId=stack.secret_arn, SecretString=json.dumps({"username": "app"})
    )
    finding = only(check(stack.facts()), "secret.format")
    assert finding.status is Status.FAIL
    assert finding.message == f"secret {stack.secret_arn} has no password"


def _put_secrets_policy(stack: Stack, resource: Any, action: Any = GET_SECRET) -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}],
    }
    boto_client(stack.endpoint, "iam").put_role_policy(
        RoleName=stack.role, PolicyName="proxyctl-secrets", PolicyDocument=json.dumps(document)
    )


def test_a_role_policy_missing_the_secret_arn(stack: Stack) -> None:
    other = "arn:aws:secretsmanager:us-east-1:123456789012:secret:other-AbCdEf"
    _put_secrets_policy(stack, [other])
    finding = only(check(stack.facts()), "role.policy")
    assert finding.status is Status.FAIL
    assert finding.message == (
        "no policy of role orders-rds-proxy allows secretsmanager:GetSecretValue on secret "
        f"{stack.secret_arn}"
    )
    assert finding.hint is not None
    assert (
        '{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":'
        f'"{stack.secret_arn}"}}' in finding.hint
    )


@pytest.mark.parametrize(
    ("resource", "action"),
    [
        ("*", "secretsmanager:GetSecretValue"),
        (
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:proxyctl/orders/*",
            "secretsmanager:*",
        ),
        (["arn:aws:secretsmanager:us-east-1:*:secret:proxyctl/orders/app-??????"], ["*"]),
    ],
)
def test_a_role_policy_with_wildcards(stack: Stack, resource: Any, action: Any) -> None:
    _put_secrets_policy(stack, resource, action)
    assert only(check(stack.facts()), "role.policy").status is Status.OK


def test_a_managed_policy_counts(stack: Stack) -> None:
    iam = boto_client(stack.endpoint, "iam")
    iam.delete_role_policy(RoleName=stack.role, PolicyName="proxyctl-secrets")
    statement = {"Effect": "Allow", "Action": GET_SECRET, "Resource": stack.secret_arn}
    document = {"Version": "2012-10-17", "Statement": [statement]}
    arn = iam.create_policy(PolicyName="read-orders", PolicyDocument=json.dumps(document))[
        "Policy"
    ]["Arn"]
    iam.attach_role_policy(RoleName=stack.role, PolicyArn=arn)
    finding = only(check(stack.facts()), "role.policy")
    assert finding.status is Status.OK
    assert finding.message.endswith(f"(policy {arn})")


def test_a_role_that_does_not_trust_rds(stack: Stack) -> None:
    trust = policies.trust_policy()
    trust["Statement"][0]["Principal"] = {"Service": "ec2.amazonaws.com"}
    boto_client(stack.endpoint, "iam").update_assume_role_policy(
        RoleName=stack.role, PolicyDocument=json.dumps(trust)
    )
    finding = only(check(stack.facts()), "role.trust")
    assert finding.status is Status.FAIL
    assert finding.message == (
        "role orders-rds-proxy of proxy orders does not let rds.amazonaws.com assume it"
    )
    assert finding.hint is not None
    assert "aws iam update-assume-role-policy --role-name orders-rds-proxy" in finding.hint
    assert '"Principal":{"Service":"rds.amazonaws.com"}' in finding.hint


def _customer_key(endpoint: str) -> str:
    return str(boto_client(endpoint, "kms").create_key()["KeyMetadata"]["Arn"])


def test_a_customer_key_without_kms_decrypt(stack: Stack) -> None:
    key = _customer_key(stack.endpoint)
    boto_client(stack.endpoint, "secretsmanager").update_secret(
        SecretId=stack.secret_arn, KmsKeyId=key
    )
    finding = only(check(stack.facts()), "role.kms")
    assert finding.status is Status.FAIL
    assert finding.message == (
        f"role orders-rds-proxy may not kms:Decrypt key {key} of secret {stack.secret_arn}"
    )
    assert finding.hint is not None
    assert f'"Action":"kms:Decrypt","Resource":"{key}"' in finding.hint
    assert '"kms:ViaService":"secretsmanager.us-east-1.amazonaws.com"' in finding.hint


def test_a_customer_key_that_init_granted(aws: str) -> None:
    key = _customer_key(aws)
    secret = boto_client(aws, "secretsmanager").create_secret(
        Name="orders-app",
        KmsKeyId=key,
        SecretString=json.dumps({"username": "app", "password": "x"}),
    )["ARN"]
    stack = stack_in(aws, secret="existing", secret_arn=secret, db_user=None)
    finding = only(check(stack.facts()), "role.kms")
    assert finding.status is Status.OK, finding
    assert finding.message.startswith(f"role orders-rds-proxy may decrypt secret {secret}")


def test_client_ingress_from_a_group_and_a_cidr(stack: Stack) -> None:
    ec2 = boto_client(stack.endpoint, "ec2")
    vpc = ec2.describe_security_groups(GroupIds=[stack.proxy_group])["SecurityGroups"][0]["VpcId"]
    app = ec2.create_security_group(GroupName="app", Description="app", VpcId=vpc)["GroupId"]
    findings = check(stack.facts(), source_sgs=[app], source_cidrs=["192.168.1.0/24", "10.0.0.0/8"])
    ingress = [f for f in findings if f.code == "network.client_ingress"]
    assert [f.status for f in ingress] == [Status.FAIL] * 3
    group, cidr, wider = ingress
    assert group.message == (
        f"no group of proxy orders ({stack.proxy_group}) allows TCP 5432 from {app}"
    )
    assert group.hint == (
        f"Add an inbound rule to {stack.proxy_group}: aws ec2 authorize-security-group-ingress "
        f"--group-id {stack.proxy_group} --protocol tcp --port 5432 --source-group {app}"
    )
    assert cidr.hint is not None and cidr.hint.endswith("--port 5432 --cidr 192.168.1.0/24")
    assert wider.message.endswith("from 10.0.0.0/8")  # only 10.0.0.0/16 is allowed


def test_client_ingress_from_an_allowed_group(aws: str) -> None:
    seed = seed_aurora(aws)
    ec2 = boto_client(aws, "ec2")
    app = ec2.create_security_group(GroupName="app", Description="app", VpcId=seed["vpc"])
    make_stack(aws, "orders", allow_sg=[app["GroupId"]], allow_cidr=[])
    facts = read_proxy_facts(clients(aws), "orders")
    finding = only(
        check(facts, source_sgs=[app["GroupId"]], source_cidrs=[]), "network.client_ingress"
    )
    assert finding.status is Status.OK


def test_without_a_source_the_client_ingress_is_skipped(stack: Stack) -> None:
    finding = only(check(stack.facts(), source_cidrs=[]), "network.client_ingress")
    assert finding.status is Status.SKIP
    assert "pass --source-sg or --source-cidr" in finding.message


def test_a_database_group_that_does_not_allow_the_proxy(stack: Stack) -> None:
    ec2 = boto_client(stack.endpoint, "ec2")
    group = ec2.describe_security_groups(GroupIds=[stack.db_group])["SecurityGroups"][0]
    # moto revokes only a rule given exactly as it describes it.
    ec2.revoke_security_group_ingress(GroupId=stack.db_group, IpPermissions=group["IpPermissions"])
    finding = only(check(stack.facts()), "network.db_ingress")
    assert finding.status is Status.FAIL
    assert finding.message == (
        f"no group of database orders-db ({stack.db_group}) allows TCP 5432 from the groups "
        f"of proxy orders ({stack.proxy_group})"
    )
    assert finding.hint == (
        f"Add an inbound rule to {stack.db_group}: aws ec2 authorize-security-group-ingress "
        f"--group-id {stack.db_group} --protocol tcp --port 5432 --source-group {stack.proxy_group}"
    )


def test_a_password_client_against_iam_required(stack: Stack) -> None:
    finding = only(check(stack.facts(), auth="password"), "proxy.iam_auth")
    assert finding.status is Status.FAIL
    assert finding.message == (
        "proxy orders refuses passwords (IAMAuth REQUIRED), but the client sends a password"
    )
    assert finding.hint is not None
    assert "aws rds modify-db-proxy --db-proxy-name orders --auth '[{" in finding.hint
    assert f'"SecretArn":"{stack.secret_arn}","IAMAuth":"DISABLED"' in finding.hint


def test_an_iam_client_against_iam_disabled_and_tls_off(aws: str) -> None:
    stack = stack_in(aws, iam_auth="DISABLED", require_tls=False)
    findings = check(stack.facts(), auth="iam")
    iam = only(findings, "proxy.iam_auth")
    assert iam.status is Status.FAIL
    assert iam.message == (
        "proxy orders has IAM authentication DISABLED, but the client uses an IAM token"
    )
    assert iam.hint is not None and '"IAMAuth":"REQUIRED"' in iam.hint
    tls = only(findings, "proxy.require_tls")
    assert tls.status is Status.WARN
    assert tls.message == "proxy orders accepts plaintext connections (RequireTLS is off)"
    assert tls.hint is not None
    assert "aws rds modify-db-proxy --db-proxy-name orders --require-tls" in tls.hint
    assert only(check(stack.facts(), auth="secret"), "proxy.iam_auth").status is Status.OK


def test_a_deleted_subnet(stack: Stack) -> None:
    facts = stack.facts()
    gone = facts.subnets[0].id
    boto_client(stack.endpoint, "ec2").delete_subnet(SubnetId=gone)
    finding = only(check(stack.facts()), "network.subnets")
    assert finding.status is Status.FAIL
    assert finding.message == f"subnet {gone} of proxy orders no longer exists"


# --- target health: moto never reports a Reason, so RDS is stubbed ------------------------


def _plain(response: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


def _instance_targets(state: str, reason: str | None) -> dict[str, Any]:
    """What RDS answers for an Aurora target: the cluster, then its instances with health."""
    health: dict[str, Any] = {"State": state}
    if reason:
        health |= {"Reason": reason, "Description": f"described by RDS: {reason.lower()}"}
    instance = {"Type": "RDS_INSTANCE", "TrackedClusterId": "orders-db", "Port": 5432}
    return {
        "Targets": [
            {"Type": "TRACKED_CLUSTER", "RdsResourceId": "orders-db", "Port": 5432},
            {
                **instance,
                "RdsResourceId": "orders-db-1",
                "Role": "READ_WRITE",
                "TargetHealth": health,
            },
            {
                **instance,
                "RdsResourceId": "orders-db-2",
                "Role": "READ_ONLY",
                "TargetHealth": {"State": "AVAILABLE"},
            },
        ]
    }


@cache
def _spare_rds(endpoint: str) -> Any:
    """An RDS client for the Stubber (one per server: making one costs ~0.3 s)."""
    return boto3.client("rds", region_name=REGION, endpoint_url=endpoint)


def stubbed_rds(stack: Stack, targets: dict[str, Any]) -> tuple[Clients, Stubber]:
    """Clients whose RDS answers moto's proxy and cluster, around TARGETS; the rest is moto."""
    name = {"DBProxyName": "orders"}
    proxy = _plain(stack.c.rds.describe_db_proxies(**name))
    cluster = _plain(stack.c.rds.describe_db_clusters(DBClusterIdentifier="orders-db"))
    rds = _spare_rds(stack.endpoint)
    stub = Stubber(rds)
    stub.add_response("describe_db_proxies", proxy, name)
    stub.add_response("describe_db_proxy_targets", targets, name)
    stub.add_response("describe_db_clusters", cluster, {"DBClusterIdentifier": "orders-db"})
    c = copy.copy(stack.c)  # moto's EC2, IAM, Secrets Manager and KMS clients, already made
    c.__dict__["rds"] = rds  # Clients.rds is a cached_property: this is its cache
    return c, stub


@pytest.mark.parametrize(
    "reason",
    [
        "UNREACHABLE",
        "CONNECTION_FAILED",
        "AUTH_FAILURE",
        "PENDING_PROXY_CAPACITY",
        "INVALID_REPLICATION_STATE",
        "PROMOTED",
    ],
)
def test_each_unavailable_reason_gives_its_hint(stack: Stack, reason: str) -> None:
    c, stub = stubbed_rds(stack, _instance_targets("UNAVAILABLE", reason))
    with stub:
        facts = read_proxy_facts(c, "orders")
    stub.assert_no_pending_responses()
    health = [f for f in check(facts) if f.code == "target.health"]
    assert [f.status for f in health[1:]] == [Status.OK]  # the reader
    finding = health[0]
    expected = Status.WARN if reason == "PENDING_PROXY_CAPACITY" else Status.FAIL
    assert finding.status is expected
    assert finding.message == (
        f"target orders-db-1 (READ_WRITE) of proxy orders is UNAVAILABLE ({reason})"
        + ("" if expected is Status.WARN else f": described by RDS: {reason.lower()}")
    )
    assert finding.hint == HINTS[reason]
    assert facts.databases[0].identifier == "orders-db"  # found through TrackedClusterId


def test_a_registering_target_is_a_warning(stack: Stack) -> None:
    c, stub = stubbed_rds(stack, _instance_targets("REGISTERING", None))
    with stub:
        facts = read_proxy_facts(c, "orders")
    finding = next(f for f in check(facts) if f.code == "target.health")
    assert finding.status is Status.WARN
    assert finding.message == "target orders-db-1 (READ_WRITE) of proxy orders is REGISTERING"


def test_a_secret_value_the_caller_may_not_read(stack: Stack) -> None:
    # moto does not enforce IAM: the caller's AccessDenied comes from a Stubber.
    described = _plain(stack.c.secrets.describe_secret(SecretId=stack.secret_arn))
    secrets = boto3.client("secretsmanager", region_name=REGION, endpoint_url=stack.endpoint)
    stub = Stubber(secrets)
    stub.add_response("describe_secret", described, {"SecretId": stack.secret_arn})
    stub.add_client_error("get_secret_value", "AccessDeniedException", "not for you")
    c = copy.copy(stack.c)
    c.__dict__["secrets"] = secrets
    with stub:
        facts = read_proxy_facts(c, "orders")
    finding = only(check(facts), "secret.format")
    assert finding.status is Status.SKIP
    assert finding.message == (
        f"could not read secret {stack.secret_arn}: read the secret {stack.secret_arn}: "
        "AccessDeniedException: not for you."
    )
    assert only(check(facts), "role.policy").status is Status.OK


# --- pure: control_plane on hand-built facts ----------------------------------------------

SECRET = "arn:aws:secretsmanager:us-east-1:111122223333:secret:proxyctl/p/app-AbCdEf"
ROLE = "arn:aws:iam::111122223333:role/p-rds-proxy"
KEY = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def healthy() -> ProxyFacts:
    read = policies.secrets_policy([SECRET], [], "us-east-1")
    proxy = Proxy(
        name="p",
        arn="arn:aws:rds:us-east-1:111122223333:db-proxy:prx-0123456789abcdef0",
        status="available",
        require_tls=True,
        auth=(AuthEntry(SECRET, "REQUIRED"),),
        role_arn=ROLE,
        vpc_id="vpc-1",
        subnets=("subnet-a", "subnet-b"),
        security_groups=("sg-proxy",),
    )
    return ProxyFacts(
        proxy=proxy,
        region="us-east-1",
        subnets=[
            Subnet("subnet-a", "us-east-1a", "10.0.0.0/24"),
            Subnet("subnet-b", "us-east-1b", "10.0.1.0/24"),
        ],
        targets=[TargetHealth("db-1", "READ_WRITE", "AVAILABLE", None, None)],
        secrets=[
            SecretFacts(
                SECRET, True, is_json=True, has_username=True, has_password=True, username="app"
            )
        ],
        role=RoleFacts(ROLE, "p-rds-proxy", True, trusts_rds=True, inline={"read": read}),
        databases=[DatabaseFacts("db", "cluster", True, "available", 5432, ["sg-db"])],
        rules={
            "sg-proxy": [Rule("sg-proxy", "tcp", 5432, 5432, cidr="10.0.0.0/16")],
            "sg-db": [Rule("sg-db", "tcp", 5432, 5432, source_group="sg-proxy")],
        },
    )


def with_proxy(facts: ProxyFacts, **changes: Any) -> ProxyFacts:
    """FACTS whose proxy record has CHANGES."""
    return replace(facts, proxy=replace(facts.proxy, **changes))


def test_hand_built_healthy_facts_are_all_ok() -> None:
    findings = check(healthy())
    assert {f.code for f in findings} == EVERY_CODE
    assert all(f.status is Status.OK for f in findings)


def test_subnets_in_one_az_warn() -> None:
    facts = replace(
        healthy(),
        subnets=[Subnet("subnet-a", "us-east-1a"), Subnet("subnet-c", "us-east-1a")],
    )
    finding = only(check(facts), "network.subnets")
    assert finding.status is Status.WARN
    assert finding.message == "the subnets of proxy p (subnet-a, subnet-c) span 1 AZ (us-east-1a)"
    assert finding.hint is not None and "at least two AZs" in finding.hint


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("creating", Status.WARN),
        ("modifying", Status.WARN),
        ("incompatible-network", Status.FAIL),
        ("suspended", Status.FAIL),
    ],
)
def test_proxy_status(status: str, expected: Status) -> None:
    finding = only(check(with_proxy(healthy(), status=status)), "proxy.status")
    assert (finding.status, finding.message) == (expected, f"proxy p is {status}")


def test_no_targets_fail() -> None:
    finding = only(check(replace(healthy(), targets=[])), "target.health")
    assert finding.status is Status.FAIL
    assert (
        finding.hint is not None and "register-db-proxy-targets --db-proxy-name p" in finding.hint
    )


def test_a_missing_or_deleted_secret() -> None:
    gone = replace(healthy(), secrets=[SecretFacts(SECRET, False)])
    finding = only(check(gone), "secret.exists")
    assert (finding.status, finding.message) == (
        Status.FAIL,
        f"secret {SECRET} of proxy p does not exist",
    )
    assert not [f for f in check(gone) if f.code in ("secret.format", "role.policy")]
    deleted = replace(healthy(), secrets=[SecretFacts(SECRET, True, scheduled_for_deletion=True)])
    finding = only(check(deleted), "secret.exists")
    assert finding.hint == f"Restore it: aws secretsmanager restore-secret --secret-id {SECRET}"


def test_a_secret_the_caller_may_not_read_is_skipped() -> None:
    refused = "read the secret x: AccessDeniedException."
    facts = replace(healthy(), secrets=[SecretFacts(SECRET, True, read_error=refused)])
    finding = only(check(facts), "secret.format")
    assert (finding.status, finding.message) == (
        Status.SKIP,
        f"could not read secret {SECRET}: {refused}",
    )


def test_a_secret_the_caller_may_not_describe() -> None:
    refused = "describe the secret x: AccessDeniedException."
    facts = replace(healthy(), secrets=[SecretFacts(SECRET, None, read_error=refused)])
    findings = check(facts)
    assert only(findings, "secret.exists").status is Status.SKIP
    assert only(findings, "role.policy").status is Status.OK  # the ARN is enough for that
    assert not [f for f in findings if f.code in ("secret.format", "role.kms")]


def test_role_policies_the_caller_may_not_read() -> None:
    facts = healthy()
    assert facts.role is not None
    facts.role.policy_error = "read the policies of the IAM role p-rds-proxy: AccessDenied."
    findings = check(facts)
    assert only(findings, "role.trust").status is Status.OK
    finding = only(findings, "role.policy")
    assert finding.status is Status.SKIP
    assert finding.message.startswith("could not read the policies of role p-rds-proxy")


def test_a_missing_role() -> None:
    facts = replace(healthy(), role=RoleFacts(ROLE, "p-rds-proxy", exists=False))
    findings = check(facts)
    assert only(findings, "role.exists").status is Status.FAIL
    assert not [f for f in findings if f.code in ("role.trust", "role.policy", "role.kms")]


def test_an_explicit_deny_wins() -> None:
    facts = healthy()
    assert facts.role is not None
    deny = {"Statement": [{"Effect": "Deny", "Action": "secretsmanager:*", "Resource": "*"}]}
    facts.role.managed["arn:aws:iam::111122223333:policy/guard"] = deny
    finding = only(check(facts), "role.policy")
    assert finding.status is Status.FAIL
    assert finding.message.startswith("policy arn:aws:iam::111122223333:policy/guard of role")


def _with_key(key_policy: dict[str, Any] | None, inline: dict[str, Any]) -> ProxyFacts:
    facts = healthy()
    secret = replace(
        facts.secrets[0],
        kms_key_id=KEY,
        kms_key_arn=KEY,
        customer_managed_key=True,
        key_policy=key_policy,
    )
    role = replace(facts.role, inline=inline) if facts.role else None
    return replace(facts, secrets=[secret], role=role)


DEFAULT_KEY_POLICY = {
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    ]
}


def test_kms_decrypt_in_the_role_or_in_the_key_policy() -> None:
    both = policies.secrets_policy([SECRET], [KEY], "us-east-1")
    assert only(check(_with_key(DEFAULT_KEY_POLICY, {"p": both})), "role.kms").status is Status.OK
    read_only = policies.secrets_policy([SECRET], [], "us-east-1")
    direct = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": [ROLE]},
                "Action": ["kms:Decrypt"],
                "Resource": "*",
            }
        ]
    }
    finding = only(check(_with_key(direct, {"p": read_only})), "role.kms")
    assert finding.status is Status.OK and "(policy the key policy)" in finding.message
    finding = only(check(_with_key(DEFAULT_KEY_POLICY, {"p": read_only})), "role.kms")
    assert finding.status is Status.FAIL


def test_a_key_policy_that_does_not_defer_to_iam() -> None:
    both = policies.secrets_policy([SECRET], [KEY], "us-east-1")
    finding = only(check(_with_key({"Statement": []}, {"p": both})), "role.kms")
    assert finding.status is Status.FAIL
    assert finding.hint is not None and finding.hint.startswith(
        f"Key {KEY}'s policy does not let IAM"
    )
    assert f'"Principal":{{"AWS":"{ROLE}"}}' in finding.hint


def test_an_unknown_key_manager_warns() -> None:
    facts = _with_key(None, {"p": policies.secrets_policy([SECRET], [], "us-east-1")})
    facts.secrets[0].customer_managed_key = None
    assert only(check(facts), "role.kms").status is Status.WARN


def test_the_database_may_allow_the_proxy_subnets_by_cidr() -> None:
    facts = healthy()
    facts.rules["sg-db"] = [Rule("sg-db", "-1", None, None, cidr="10.0.0.0/16")]
    assert only(check(facts), "network.db_ingress").status is Status.OK
    facts.rules["sg-db"] = [Rule("sg-db", "tcp", 5432, 5432, cidr="10.0.1.0/24")]
    assert only(check(facts), "network.db_ingress").status is Status.FAIL  # one subnet only


def test_client_cidrs_compare_by_containment_and_version() -> None:
    facts = healthy()
    facts.rules["sg-proxy"].append(Rule("sg-proxy", "tcp", 5000, 6000, cidr="2001:db8::/32"))
    findings = check(
        facts, source_cidrs=["10.0.7.7/32", "2001:db8:1::/48", "fd00::/8", "10.0.0.0/15"]
    )
    statuses = [f.status for f in findings if f.code == "network.client_ingress"]
    assert statuses == [Status.OK, Status.OK, Status.FAIL, Status.FAIL]


def test_a_missing_security_group() -> None:
    facts = replace(healthy(), missing_groups=["sg-proxy"], rules={})
    finding = only(check(facts), "network.groups")
    assert finding.message == "security group sg-proxy of proxy p does not exist"


def test_iam_auth_per_user_and_the_user_secret() -> None:
    other = "arn:aws:secretsmanager:us-east-1:111122223333:secret:proxyctl/p/ops-XyZxYz"
    facts = healthy()
    facts = with_proxy(facts, auth=(*facts.auth, AuthEntry(other, "DISABLED")))
    facts.secrets.append(
        SecretFacts(other, True, is_json=True, has_username=True, has_password=True, username="ops")
    )
    assert only(check(facts, auth="password", user="ops"), "proxy.iam_auth").status is Status.OK
    assert only(check(facts, auth="password", user="app"), "proxy.iam_auth").status is Status.FAIL
    finding = only(check(facts, auth="password", user="web"), "secret.user")
    assert finding.status is Status.FAIL
    assert finding.message == "proxy p has no secret for database user web"
    assert finding.hint is not None and "(app, ops)" in finding.hint


def test_end_to_end_iam_refuses_passwords() -> None:
    facts = with_proxy(healthy(), auth=(), default_auth_scheme="IAM_AUTH")
    facts = replace(facts, secrets=[])
    assert only(check(facts), "proxy.iam_auth").status is Status.OK
    finding = only(check(facts, auth="secret"), "proxy.iam_auth")
    assert (
        finding.message
        == "proxy p refuses passwords (DefaultAuthScheme IAM_AUTH), but the client sends a password"
    )


def test_an_unknown_auth_mode_is_a_bug() -> None:
    with pytest.raises(ValueError, match="auth must be one of"):
        control_plane(healthy(), auth="kerberos", source_sgs=[], source_cidrs=[])


@pytest.mark.parametrize(
    ("statement", "verdict"),
    [
        (
            {"Effect": "Allow", "Action": "SecretsManager:getsecretvalue", "Resource": SECRET},
            Verdict.ALLOWED,
        ),
        (
            {"Effect": "Allow", "Action": "secretsmanager:Get*", "Resource": SECRET[:-6] + "*"},
            Verdict.ALLOWED,
        ),
        ({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}, Verdict.ALLOWED),
        (
            {"Effect": "Allow", "Action": "secretsmanager:*", "NotResource": SECRET},
            Verdict.NOT_ALLOWED,
        ),
        (
            {
                "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": SECRET.lower(),
            },
            Verdict.NOT_ALLOWED,
        ),
        (
            {"Effect": "Allow", "Action": "secretsmanager:DescribeSecret", "Resource": "*"},
            Verdict.NOT_ALLOWED,
        ),
        ({"Effect": "Deny", "Action": "*", "Resource": "*"}, Verdict.DENIED),
        (
            {
                "Effect": "Deny",
                "Action": "*",
                "Resource": "*",
                "Condition": {"Bool": {"aws:ViaAWSService": "false"}},
            },
            Verdict.NOT_ALLOWED,
        ),
    ],
)
def test_policy_reading(statement: dict[str, Any], verdict: Verdict) -> None:
    assert decide({"p": {"Statement": statement}}, GET_SECRET, SECRET).verdict is verdict
