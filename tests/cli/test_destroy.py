"""`proxyctl destroy`: a stack made by the provisioning core, removed through the CLI."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from proxyctl import config
from proxyctl.aws import actions
from proxyctl.errors import AwsRefusedError
from tests.aws_world import make_proxy, seed_aurora
from tests.conftest import Cli, boto_client
from tests.provision_helpers import STACK_PASSWORD, make_stack, seed_stack

TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "rds.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def gone(call: Any, **params: Any) -> bool:
    try:
        call(**params)
    except ClientError:
        return True
    return False


def proxy_exists(endpoint: str, name: str = "orders") -> bool:
    return not gone(boto_client(endpoint, "rds").describe_db_proxies, DBProxyName=name)


def db_group_sources(endpoint: str, group: str) -> list[str]:
    item = boto_client(endpoint, "ec2").describe_security_groups(GroupIds=[group])
    perms = item["SecurityGroups"][0]["IpPermissions"]
    return [pair["GroupId"] for perm in perms for pair in perm.get("UserIdGroupPairs", [])]


def assert_database_untouched(endpoint: str, world: dict[str, Any]) -> None:
    rds = boto_client(endpoint, "rds")
    cluster = rds.describe_db_clusters(DBClusterIdentifier="orders-db")["DBClusters"][0]
    assert cluster["Status"] == "available"
    assert [g["VpcSecurityGroupId"] for g in cluster["VpcSecurityGroups"]] == [world["group"]]
    instances = rds.describe_db_instances()["DBInstances"]
    assert sorted(i["DBInstanceIdentifier"] for i in instances) == ["orders-db-1", "orders-db-2"]


@pytest.fixture
def world(aws: str) -> dict[str, Any]:
    return seed_aurora(aws)


def test_destroy_removes_the_whole_stack_and_not_the_database(
    cli: Cli, aws: str, world: dict[str, Any]
) -> None:
    made = make_stack(aws)
    proxy_group, secret_arn = made.proxy_group, made.secret_arn
    assert proxy_group in db_group_sources(aws, world["group"])

    run = cli("--yes", "destroy", "orders")

    assert run.exit_code == 0, run.stderr
    assert run.stdout.startswith("Destroyed RDS Proxy stack orders in us-east-1:\n")
    assert "[7/7] delete secret proxyctl/orders/app (recoverable for 30 days)" in run.stderr
    assert not proxy_exists(aws)
    assert gone(boto_client(aws, "iam").get_role, RoleName="orders-rds-proxy")
    ec2 = boto_client(aws, "ec2")
    assert gone(ec2.describe_security_groups, GroupIds=[proxy_group])
    assert db_group_sources(aws, world["group"]) == []
    secret = boto_client(aws, "secretsmanager").describe_secret(SecretId=secret_arn)
    assert "DeletedDate" in secret  # scheduled, restorable
    assert_database_untouched(aws, world)
    assert STACK_PASSWORD not in run.stdout + run.stderr


def test_force_delete_secret_deletes_it_at_once(cli: Cli, aws: str, world: dict[str, Any]) -> None:
    secret_arn = make_stack(aws).secret_arn
    run = cli("--yes", "destroy", "orders", "--force-delete-secret")
    assert run.exit_code == 0, run.stderr
    secrets = boto_client(aws, "secretsmanager")
    assert gone(secrets.describe_secret, SecretId=secret_arn)


def _existing_secret(endpoint: str) -> dict[str, Any]:
    value = json.dumps({"username": "app", "password": "existing-pw"})
    made = boto_client(endpoint, "secretsmanager").create_secret(
        Name="orders/app", SecretString=value
    )
    return {"secret": "existing", "secret_arn": made["ARN"]}


@pytest.mark.parametrize("secret", ["managed", "existing"])
def test_a_role_and_secret_init_did_not_create_are_left_alone(
    cli: Cli, aws: str, world: dict[str, Any], secret: str
) -> None:
    iam = boto_client(aws, "iam")
    role = iam.create_role(RoleName="shared-proxy", AssumeRolePolicyDocument=json.dumps(TRUST))
    theirs = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}],
    }
    iam.put_role_policy(
        RoleName="shared-proxy", PolicyName="theirs", PolicyDocument=json.dumps(theirs)
    )
    answers = {"secret": "managed"} if secret == "managed" else _existing_secret(aws)
    make_stack(aws, role_arn=role["Role"]["Arn"], **answers)
    secret_arn = answers.get("secret_arn") or world["cluster"]["MasterUserSecret"]["SecretArn"]

    run = cli("--yes", "destroy", "orders")

    assert run.exit_code == 0, run.stderr
    assert not proxy_exists(aws)
    assert "  kept: IAM role shared-proxy: not created by proxyctl\n" in run.stdout
    assert iam.get_role(RoleName="shared-proxy")["Role"]["Arn"] == role["Role"]["Arn"]
    assert iam.list_role_policies(RoleName="shared-proxy")["PolicyNames"] == ["theirs"]
    kept = boto_client(aws, "secretsmanager").describe_secret(SecretId=secret_arn)
    assert "DeletedDate" not in kept
    assert_database_untouched(aws, world)


def test_a_proxy_proxyctl_did_not_create_is_refused(cli: Cli, aws: str) -> None:
    make_proxy(aws, "orders")
    run = cli("--yes", "destroy", "orders")
    assert run.exit_code == 2
    assert run.stderr.startswith(
        "error: NAME: the RDS proxy 'orders' was not created by proxyctl (it has no "
        "proxyctl:stack=orders tag): refusing to delete it.\n"
    )
    assert proxy_exists(aws)


def test_nothing_to_destroy_is_not_found(cli: Cli, aws: str, world: dict[str, Any]) -> None:
    run = cli("--yes", "destroy", "orders")
    assert run.exit_code == 3
    assert "error: nothing of the stack 'orders' exists in us-east-1" in run.stderr


def test_a_second_destroy_finds_nothing_left(cli: Cli, aws: str) -> None:
    seed_stack(aws)
    assert cli("--yes", "destroy", "orders", "--force-delete-secret").exit_code == 0
    assert cli("--yes", "destroy", "orders").exit_code == 3


def test_dry_run_deletes_nothing(cli: Cli, aws: str) -> None:
    seed_stack(aws)
    run = cli("--yes", "destroy", "orders", "--dry-run")
    assert run.exit_code == 0, run.stderr
    assert (
        run.stdout.splitlines()[0] == "Destroy RDS Proxy stack orders in us-east-1, newest first:"
    )
    assert "   2. delete RDS Proxy orders and wait until it is gone" in run.stdout
    assert proxy_exists(aws)
    assert boto_client(aws, "iam").get_role(RoleName="orders-rds-proxy")


def test_without_yes_and_prompts_off_nothing_is_deleted(cli: Cli, aws: str) -> None:
    seed_stack(aws)
    run = cli("--no-input", "destroy", "orders")
    assert run.exit_code == 2
    assert "error: destroy orders needs confirmation: pass --yes.\n" in run.stderr
    assert "prompts are off: --no-input" in run.stderr
    assert proxy_exists(aws)


class TypedAnswer:
    """Stands in for questionary.text: records the question, answers with TYPED."""

    def __init__(self, typed: str) -> None:
        self.typed = typed
        self.questions: list[str] = []

    def __call__(self, question: str, **kwargs: Any) -> TypedAnswer:
        self.questions.append(question)
        return self

    def unsafe_ask(self) -> str:
        return self.typed


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Prompts on (as on a terminal), with the answer typed by the test."""
    import questionary

    monkeypatch.setattr(config, "stdin_is_interactive", lambda env: (True, "default"))

    def answer(typed: str) -> TypedAnswer:
        fake = TypedAnswer(typed)
        monkeypatch.setattr(questionary, "text", fake)
        return fake

    return answer


def test_a_wrong_name_typed_deletes_nothing(cli: Cli, aws: str, terminal: Any) -> None:
    seed_stack(aws)
    prompt = terminal("order")
    run = cli("destroy", "orders")
    assert prompt.questions == ["Type the proxy's name (orders) to delete all of the above:"]
    assert run.exit_code == 2
    assert "error: NAME: what you typed is not 'orders': nothing was deleted.\n" in run.stderr
    assert proxy_exists(aws)


def test_the_right_name_typed_deletes(cli: Cli, aws: str, terminal: Any) -> None:
    seed_stack(aws)
    terminal("orders")
    run = cli("destroy", "orders")
    assert run.exit_code == 0, run.stderr
    assert not proxy_exists(aws)


def test_json_output_is_one_document(cli: Cli, aws: str) -> None:
    seed_stack(aws)
    run = cli("--output", "json", "destroy", "orders", "--yes")
    assert run.exit_code == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["kind"] == "destroy" and doc["schema_version"] == 1
    assert [step["action"] for step in doc["deleted"]] == [
        "deregister_targets",
        "delete_proxy",
        "revoke_ingress",
        "delete_security_group",
        "delete_role_policy",
        "delete_role",
        "delete_secret",
    ]
    assert doc["kept"] == ["database orders-db: never touched"]


def test_dry_run_json_is_the_plan(cli: Cli, aws: str) -> None:
    seed_stack(aws)
    run = cli("--output", "json", "destroy", "orders", "--dry-run")
    assert run.exit_code == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["kind"] == "destroy-plan" and len(doc["steps"]) == 7


def test_a_failed_deletion_stops_and_a_second_run_finishes(
    cli: Cli, aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    group = seed_stack(aws).proxy_group
    db_group = boto_client(aws, "rds").describe_db_clusters()["DBClusters"][0]["VpcSecurityGroups"][
        0
    ]["VpcSecurityGroupId"]

    def refuse(c: Any, params: dict[str, Any], ctx: Any) -> None:
        raise AwsRefusedError("AWS refused to delete the IAM role: AccessDenied.")

    with monkeypatch.context() as patch:
        patch.setitem(actions.DELETIONS, "delete_role", refuse)
        run = cli("--output", "json", "--yes", "destroy", "orders")
    assert run.exit_code == 4
    assert run.stderr.splitlines()[-4:] == [
        "error: step 6 of 7 (delete IAM role orders-rds-proxy) failed: "
        "AWS refused to delete the IAM role: AccessDenied.",
        "deleted: deregister orders-db from the proxy (the database stays); delete RDS Proxy "
        f"orders and wait until it is gone; revoke the rule on {db_group} that lets {group} in "
        f"(tcp 5432); delete security group orders-rds-proxy ({group}); delete inline policy "
        "proxyctl-secrets of IAM role orders-rds-proxy.",
        "left: delete IAM role orders-rds-proxy; delete secret proxyctl/orders/app "
        "(recoverable for 30 days).",
        "hint: Fix the cause, then run `proxyctl destroy orders` again: it finds what is left.",
    ]
    error = json.loads(run.stdout)["error"]  # still one document on stdout
    assert [s["action"] for s in error["left"]] == ["delete_role", "delete_secret"]
    assert not proxy_exists(aws)

    again = cli("--yes", "destroy", "orders")
    assert again.exit_code == 0, again.stderr
    assert again.stdout.count("  done: ") == 2
    assert gone(boto_client(aws, "iam").get_role, RoleName="orders-rds-proxy")


def test_json_mode_puts_the_plan_in_the_document_not_on_stderr(cli: Cli, aws: str) -> None:
    seed_stack(aws)
    run = cli("--output", "json", "destroy", "orders", "--yes")
    assert run.exit_code == 0, run.stderr
    assert "Destroy RDS Proxy stack orders" not in run.stderr
    doc = json.loads(run.stdout)
    assert [step["action"] for step in doc["plan"]["steps"]] == [
        step["action"] for step in doc["deleted"]
    ]
    assert doc["plan"]["kept"] == ["database orders-db: never touched"]
