"""`proxyctl init` end to end against moto: what it creates, reuses, refuses and undoes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from proxyctl.aws import actions
from proxyctl.errors import AwsRefusedError, ConnectionProblem
from proxyctl.provision.policies import secrets_policy, trust_policy
from tests.aws_world import seed_aurora
from tests.conftest import Cli, boto_client

CLIENT_SG_NAME = "app-clients"


@pytest.fixture
def world(aws: str) -> dict[str, Any]:
    seed = seed_aurora(aws)
    ec2 = boto_client(aws, "ec2")
    seed["client_group"] = ec2.create_security_group(
        GroupName=CLIENT_SG_NAME, Description="app", VpcId=seed["vpc"]
    )["GroupId"]
    seed["endpoint"] = aws
    return seed


def full_args(world: dict[str, Any], *extra: str) -> list[str]:
    return [
        "init",
        "--name", "orders-proxy",
        "--allow-sg", world["client_group"],
        "--allow-cidr", "10.20.0.0/16",
        "--idle-client-timeout", "900",
        "--max-connections-percent", "75",
        "--max-idle-connections-percent", "25",
        "--connection-borrow-timeout", "30",
        "--tag", "team=payments",
        "--yes",
        *extra,
    ]  # fmt: skip


def stack_leftovers(endpoint: str, name: str = "orders-proxy") -> list[str]:
    """Everything of the stack that still exists in AWS, by kind."""
    left = []
    rds, ec2 = boto_client(endpoint, "rds"), boto_client(endpoint, "ec2")
    iam, secrets = boto_client(endpoint, "iam"), boto_client(endpoint, "secretsmanager")
    if any(p["DBProxyName"] == name for p in rds.describe_db_proxies()["DBProxies"]):
        left.append("proxy")
    if any(r["RoleName"].startswith(name) for r in iam.list_roles()["Roles"]):
        left.append("role")
    groups = ec2.describe_security_groups()["SecurityGroups"]
    if any(g["GroupName"] == f"{name}-rds-proxy" for g in groups):
        left.append("proxy group")
    for group in groups:
        for perm in group.get("IpPermissions", []):
            if any(
                "proxyctl" in p.get("Description", "") for p in perm.get("UserIdGroupPairs", [])
            ):
                left.append(f"rule on {group['GroupName']}")
    if any(s["Name"].startswith(f"proxyctl/{name}/") for s in secrets.list_secrets()["SecretList"]):
        left.append("secret")
    return left


def test_init_creates_a_correct_stack(cli: Cli, world: dict[str, Any]) -> None:
    run = cli("--output", "json", *full_args(world))
    assert run.exit_code == 0, run.stderr
    doc = run.json()
    assert doc["kind"] == "init" and doc["proxy"] == "orders-proxy"
    assert doc["health"] == "proxy available; orders-db AVAILABLE"
    endpoint = world["endpoint"]
    rds, ec2, iam = (boto_client(endpoint, s) for s in ("rds", "ec2", "iam"))

    proxy = rds.describe_db_proxies(DBProxyName="orders-proxy")["DBProxies"][0]
    assert doc["endpoint"] == proxy["Endpoint"]
    managed = world["cluster"]["MasterUserSecret"]
    assert proxy["Auth"][0]["SecretArn"] == managed["SecretArn"]
    assert proxy["Auth"][0]["IAMAuth"] == "REQUIRED"
    assert proxy["RequireTLS"] is True and proxy["IdleClientTimeout"] == 900
    assert proxy["DebugLogging"] is False
    assert sorted(proxy["VpcSubnetIds"]) == sorted(world["subnets"])
    tags = {
        t["Key"]: t["Value"]
        for t in rds.list_tags_for_resource(ResourceName=proxy["DBProxyArn"])["TagList"]
    }
    assert tags == {
        "team": "payments",
        "proxyctl:managed": "true",
        "proxyctl:stack": "orders-proxy",
    }

    role = iam.get_role(RoleName="orders-proxy-rds-proxy")["Role"]
    assert proxy["RoleArn"] == role["Arn"]
    assert role["AssumeRolePolicyDocument"] == trust_policy()
    policy = iam.get_role_policy(RoleName="orders-proxy-rds-proxy", PolicyName="proxyctl-secrets")
    assert policy["PolicyDocument"] == secrets_policy(
        [managed["SecretArn"]], [managed["KmsKeyId"]], "us-east-1"
    )

    (group_id,) = proxy["VpcSecurityGroupIds"]
    group = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
    assert group["GroupName"] == "orders-proxy-rds-proxy" and group["VpcId"] == world["vpc"]
    sources = {
        (p["FromPort"], pair["GroupId"])
        for p in group["IpPermissions"]
        for pair in p.get("UserIdGroupPairs", [])
    }
    cidrs = {
        (p["FromPort"], r["CidrIp"]) for p in group["IpPermissions"] for r in p.get("IpRanges", [])
    }
    assert sources == {(5432, world["client_group"])} and cidrs == {(5432, "10.20.0.0/16")}
    db_group = ec2.describe_security_groups(GroupIds=[world["group"]])["SecurityGroups"][0]
    assert {
        (p["FromPort"], pair["GroupId"])
        for p in db_group["IpPermissions"]
        for pair in p.get("UserIdGroupPairs", [])
    } == {(5432, group_id)}

    pool = rds.describe_db_proxy_target_groups(DBProxyName="orders-proxy")["TargetGroups"][0][
        "ConnectionPoolConfig"
    ]
    assert (
        pool["MaxConnectionsPercent"],
        pool["MaxIdleConnectionsPercent"],
        pool["ConnectionBorrowTimeout"],
    ) == (75, 25, 30)
    targets = rds.describe_db_proxy_targets(DBProxyName="orders-proxy")["Targets"]
    assert [t["RdsResourceId"] for t in targets] == ["orders-db"]
    prx = proxy["DBProxyArn"].rsplit(":", 1)[-1]
    assert doc["client_policy"]["Statement"][0]["Resource"] == [
        f"arn:aws:rds-db:us-east-1:123456789012:dbuser:{prx}/postgres"
    ]
    assert "proxyctl token --proxy orders-proxy --user postgres" in doc["next_steps"]


def test_second_init_with_the_same_spec_changes_nothing(
    cli: Cli, world: dict[str, Any], tmp_path: Path
) -> None:
    spec = tmp_path / "orders.toml"
    assert cli(*full_args(world, "--save-spec", str(spec))).exit_code == 0
    again = cli("init", "--spec", str(spec), "--yes")
    assert again.exit_code == 0, again.stderr
    assert "nothing to do: everything in the spec already exists." in again.stdout
    assert "[1/" not in again.stderr
    assert len(boto_client(world["endpoint"], "rds").describe_db_proxies()["DBProxies"]) == 1


def test_defaults_alone_make_a_healthy_proxy(cli: Cli, world: dict[str, Any]) -> None:
    run = cli("init", "--yes")
    assert run.exit_code == 0, run.stderr
    assert "RDS Proxy orders-db-proxy is ready in front of orders-db." in run.stdout
    assert "health:   proxy available; orders-db AVAILABLE" in run.stdout
    group = boto_client(world["endpoint"], "ec2").describe_security_groups(
        Filters=[{"Name": "group-name", "Values": ["orders-db-proxy-rds-proxy"]}]
    )["SecurityGroups"][0]
    assert [r["CidrIp"] for p in group["IpPermissions"] for r in p["IpRanges"]] == ["172.31.0.0/16"]


def test_dry_run_changes_nothing_and_shows_the_plan(cli: Cli, world: dict[str, Any]) -> None:
    run = cli("--output", "json", "init", "--dry-run")
    assert run.exit_code == 0, run.stderr
    plan = run.json()
    assert plan["kind"] == "plan"
    assert [s["action"] for s in plan["steps"]] == [
        "create_role", "put_role_policy", "create_security_group", "limit_egress",
        "authorize_ingress", "authorize_ingress", "create_proxy", "modify_pool", "register_targets",
    ]  # fmt: skip
    assert stack_leftovers(world["endpoint"], "orders-db-proxy") == []


def test_without_yes_and_without_a_terminal_nothing_changes(
    cli: Cli, world: dict[str, Any]
) -> None:
    run = cli("init")
    assert run.exit_code == 2
    assert "confirm with --yes" in run.stderr
    assert stack_leftovers(world["endpoint"], "orders-db-proxy") == []


def test_new_secret_from_stdin_never_shows_the_password(cli: Cli, world: dict[str, Any]) -> None:
    password = "s3cret-Pa55word-xyz"
    run = cli(
        *full_args(world, "--secret", "new", "--db-user", "app", "--password-stdin"),
        input=password + "\n",
    )
    assert run.exit_code == 0, run.stderr
    assert password not in run.stdout + run.stderr
    secrets = boto_client(world["endpoint"], "secretsmanager")
    value = json.loads(
        secrets.get_secret_value(SecretId="proxyctl/orders-proxy/app")["SecretString"]
    )
    assert (value["username"], value["password"], value["dbClusterIdentifier"]) == (
        "app",
        password,
        "orders-db",
    )
    tags = {
        t["Key"]: t["Value"]
        for t in secrets.describe_secret(SecretId="proxyctl/orders-proxy/app")["Tags"]
    }
    assert tags["proxyctl:stack"] == "orders-proxy"


def test_generated_password_is_shown_only_when_asked(cli: Cli, world: dict[str, Any]) -> None:
    run = cli(
        "--output",
        "json",
        *full_args(world, "--secret", "new", "--db-user", "app", "--generate-password"),
    )
    assert run.exit_code == 0, run.stderr
    stored = json.loads(
        boto_client(world["endpoint"], "secretsmanager").get_secret_value(
            SecretId="proxyctl/orders-proxy/app"
        )["SecretString"]
    )["password"]
    assert len(stored) == 32 and stored not in run.stdout + run.stderr
    assert run.json()["password"] is None
    assert any("set it on the database for app" in w for w in run.json()["warnings"])


def test_export_terraform_and_spec_file(cli: Cli, world: dict[str, Any], tmp_path: Path) -> None:
    run = cli(
        *full_args(
            world,
            "--dry-run",
            "--export-terraform",
            str(tmp_path / "tf"),
            "--save-spec",
            str(tmp_path / "s.toml"),
        )
    )
    assert run.exit_code == 0, run.stderr
    assert sorted(p.name for p in (tmp_path / "tf").iterdir()) == [
        "main.tf",
        "outputs.tf",
        "variables.tf",
        "versions.tf",
    ]
    saved = (tmp_path / "s.toml").read_text()
    assert 'name = "orders-proxy"' in saved and "max_connections_percent = 75" in saved
    assert stack_leftovers(world["endpoint"]) == []


# --- failures: nothing of the run is left ------------------------------------------------

# The plan's steps with a new secret, in order: the proxy's rules, then the database's.
PLAN_ACTIONS = [
    "create_secret", "create_role", "put_role_policy", "create_security_group", "limit_egress",
    "authorize_ingress", "authorize_ingress", "create_proxy", "modify_pool", "register_targets",
]  # fmt: skip
STEP_ACTIONS = list(dict.fromkeys(PLAN_ACTIONS))


def _failing(after_calls: int, error: BaseException) -> Any:
    """A step function that works AFTER_CALLS times, then raises ERROR."""
    calls = {"n": 0}

    def wrap(real: Any) -> Any:
        def step(c: Any, params: dict[str, Any], ctx: Any) -> Any:
            calls["n"] += 1
            if calls["n"] > after_calls:
                raise error
            return real(c, params, ctx)

        return step

    return wrap


@pytest.mark.parametrize("interrupt", [False, True], ids=["error", "ctrl-c"])
@pytest.mark.parametrize("action", STEP_ACTIONS)
def test_a_failing_step_leaves_nothing_behind(
    cli: Cli, world: dict[str, Any], monkeypatch: pytest.MonkeyPatch, action: str, interrupt: bool
) -> None:
    error: BaseException = (
        KeyboardInterrupt() if interrupt else AwsRefusedError("AWS refused to do it: AccessDenied.")
    )
    monkeypatch.setitem(actions.STEPS, action, _failing(0, error)(actions.STEPS[action]))
    args = full_args(world, "--secret", "new", "--db-user", "app", "--password-stdin")
    run = cli(*args, input="pw-123456\n")
    assert run.exit_code == (130 if interrupt else 4), run.stderr
    assert ("was interrupted" if interrupt else "failed: AWS refused to do it") in run.stderr
    number = PLAN_ACTIONS.index(action) + 1  # of two authorize steps, the first fails
    assert f"step {number} of {len(PLAN_ACTIONS)} (" in run.stderr
    assert stack_leftovers(world["endpoint"]) == []
    if number > 1:
        assert "undone, newest first:" in run.stderr


def test_an_unhealthy_proxy_is_undone_with_the_reason(
    cli: Cli, world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def unhealthy(c: Any, name: str, ctx: Any) -> str:
        raise ConnectionProblem(
            "the proxy is not healthy: orders-db-1 is UNAVAILABLE (AUTH_FAILURE): bad password",
            hint="The proxy could not log in.",
        )

    monkeypatch.setattr(actions, "wait_healthy", unhealthy)
    run = cli(*full_args(world))
    assert run.exit_code == 5
    assert "(AUTH_FAILURE)" in run.stderr and "hint: The proxy could not log in." in run.stderr
    assert stack_leftovers(world["endpoint"]) == []


def test_keep_on_failure_leaves_it_and_says_how_to_remove_it(
    cli: Cli, world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(
        actions.STEPS,
        "create_proxy",
        _failing(0, AwsRefusedError("no"))(actions.STEPS["create_proxy"]),
    )
    run = cli(*full_args(world, "--keep-on-failure"))
    assert run.exit_code == 4
    assert "left in place:" in run.stderr and "proxyctl destroy orders-proxy" in run.stderr
    assert set(stack_leftovers(world["endpoint"])) >= {"role", "proxy group"}


# --- bad input: refused before anything is created ---------------------------------------

NO_SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:nosuch"
BAD = [
    (["--name", "1orders"], 2, "--name"),
    (["--name", "orders--proxy"], 2, "--name"),
    (["--name", "orders-"], 2, "--name"),
    (["--name", "o" * 64], 2, "--name"),
    (["--name", "orders_proxy"], 2, "--name"),
    (["--max-connections-percent", "0"], 2, "--max-connections-percent"),
    (["--max-connections-percent", "101"], 2, "--max-connections-percent"),
    (["--max-connections-percent", "40", "--max-idle-connections-percent", "50"], 2,
     "--max-idle-connections-percent"),
    (["--connection-borrow-timeout", "301"], 2, "--connection-borrow-timeout"),
    (["--idle-client-timeout", "0"], 2, "--idle-client-timeout"),
    (["--allow-cidr", "10.0.0.1/8"], 2, "--allow-cidr"),
    (["--allow-sg", "default"], 2, "--allow-sg"),
    (["--tag", "proxyctl:stack=x"], 2, "--tag"),
    (["--iam-auth", "sometimes"], 2, "--iam-auth"),
    (["--no-require-tls"], 2, "--no-require-tls"),
    (["--db-cluster", "nosuch"], 3, "--db-cluster"),
    (["--db-instance", "orders-db"], 3, "--db-instance"),  # a cluster, not an instance
    (["--db-cluster", "orders-db", "--db-instance", "orders-db-1"], 2, "--db-cluster"),
    (["--database", "orders-db"], 2, "--database is now --db-cluster or --db-instance."),
    (["--secret", "existing", "--secret-arn", NO_SECRET], 3, "--secret-arn"),
]  # fmt: skip


@pytest.mark.parametrize(("args", "code", "names"), BAD, ids=lambda v: str(v))
def test_bad_input_is_refused_before_any_change(
    cli: Cli, world: dict[str, Any], args: list[str], code: int, names: str
) -> None:
    run = cli("init", "--yes", *args)
    assert run.exit_code == code, run.stderr
    assert names in run.stderr
    assert "Traceback" not in run.stderr
    assert stack_leftovers(world["endpoint"], "orders-db-proxy") == []


def _existing_secret(endpoint: str, value: str) -> str:
    return str(
        boto_client(endpoint, "secretsmanager").create_secret(Name="app-db", SecretString=value)[
            "ARN"
        ]
    )


@pytest.mark.parametrize(
    ("value", "says"),
    [("not json", "the secret is not JSON"), ('{"username": "app"}', "has no password")],
)
def test_unusable_secrets_are_refused(
    cli: Cli, world: dict[str, Any], value: str, says: str
) -> None:
    arn = _existing_secret(world["endpoint"], value)
    run = cli("init", "--yes", "--secret", "existing", "--secret-arn", arn)
    assert run.exit_code == 2 and says in run.stderr and "--secret-arn" in run.stderr
    assert value not in run.stderr
    assert stack_leftovers(world["endpoint"], "orders-db-proxy") == []


def test_role_that_does_not_trust_rds_is_refused(cli: Cli, world: dict[str, Any]) -> None:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role = boto_client(world["endpoint"], "iam").create_role(
        RoleName="ec2-only", AssumeRolePolicyDocument=json.dumps(trust)
    )
    run = cli("init", "--yes", "--role-arn", role["Role"]["Arn"])
    assert run.exit_code == 2 and "ec2-only does not trust rds.amazonaws.com" in run.stderr
    assert stack_leftovers(world["endpoint"], "orders-db-proxy") == []


def test_a_proxy_name_taken_by_another_proxy_is_refused(cli: Cli, world: dict[str, Any]) -> None:
    from tests.aws_world import make_proxy

    make_proxy(world["endpoint"], "orders-db-proxy")
    run = cli("init", "--yes")
    assert run.exit_code == 2
    assert (
        "a proxy named 'orders-db-proxy' already exists and proxyctl init did not create it"
        in run.stderr
    )


def test_subnets_in_one_az_are_refused(cli: Cli, world: dict[str, Any]) -> None:
    run = cli("init", "--yes", "--subnet", world["subnets"][0])
    assert run.exit_code == 2
    assert "--subnet: the proxy's subnets span one availability zone" in run.stderr


def test_several_databases_need_one_named_without_prompts(cli: Cli, world: dict[str, Any]) -> None:
    seed_aurora(world["endpoint"], name="billing-db")
    run = cli("init", "--yes")
    assert run.exit_code == 2
    assert "--db-cluster/--db-instance is required" in run.stderr
