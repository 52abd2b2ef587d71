"""init's flags that belong to another choice: implied where that is clear, refused where not."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.cli.test_init import stack_leftovers, world
from tests.conftest import Cli, boto_client

__all__ = ["world"]  # the fixture

ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:orders-app-AbCdEf"


def dry_run(cli: Cli, *args: str, input: str | None = None) -> Any:
    return cli("init", "--dry-run", "--name", "orders-proxy", *args, input=input)


def test_secret_arn_alone_means_an_existing_secret(cli: Cli, world: dict[str, Any]) -> None:
    made = boto_client(world["endpoint"], "secretsmanager").create_secret(
        Name="orders-app", SecretString=json.dumps({"username": "app", "password": "pw"})
    )
    run = dry_run(cli, "--secret-arn", made["ARN"])
    assert run.exit_code == 0, run.stderr
    assert f"reuse: secret {made['ARN']}" in run.stdout
    assert "RDS-managed secret" not in run.stdout


@pytest.mark.parametrize(
    "args",
    [["--db-user", "app", "--generate-password"], ["--db-user", "app", "--password-stdin"]],
    ids=["db-user+generate", "db-user+stdin"],
)
def test_db_user_alone_means_a_new_secret(cli: Cli, world: dict[str, Any], args: list[str]) -> None:
    run = dry_run(cli, *args, input="pw-123456\n")
    assert run.exit_code == 0, run.stderr
    assert "create secret proxyctl/orders-proxy/app for database user app" in run.stdout


def test_password_stdin_alone_means_a_new_secret_for_the_master_user(
    cli: Cli, world: dict[str, Any]
) -> None:
    run = dry_run(cli, "--password-stdin", input="pw-123456\n")
    assert run.exit_code == 0, run.stderr
    assert "create secret proxyctl/orders-proxy/postgres for database user postgres" in run.stdout


REFUSED = [
    (["--secret", "managed", "--secret-arn", ARN],
     "--secret-arn applies only with --secret existing, not with --secret managed."),
    (["--secret", "new", "--db-user", "app", "--secret-arn", ARN],
     "--secret-arn applies only with --secret existing, not with --secret new."),
    (["--secret", "existing", "--secret-arn", ARN, "--db-user", "app"],
     "--db-user applies only with --secret new, not with --secret existing."),
    (["--secret", "managed", "--password-stdin"],
     "--password-stdin applies only with --secret new, not with --secret managed."),
    (["--secret", "existing", "--secret-arn", ARN, "--generate-password"],
     "--generate-password applies only with --secret new, not with --secret existing."),
    (["--secret-arn", ARN, "--db-user", "app"],
     "--secret-arn and --db-user do not go together: --secret-arn is for --secret existing, "
     "--db-user for --secret new."),
    (["--show-password"],
     "--show-password applies only with --generate-password (it prints a generated password)."),
    (["--db-user", "app", "--password-stdin", "--show-password"],
     "--show-password applies only with --generate-password (it prints a generated password)."),
    (["--security-group", "sg-0123456789abcdef0", "--allow-cidr", "10.0.0.0/16"],
     "--allow-cidr does not apply with --security-group: proxyctl adds no rules to groups it "
     "did not create."),
    (["--security-group", "sg-0123456789abcdef0", "--allow-sg", "sg-0123456789abcdef1"],
     "--allow-sg does not apply with --security-group: proxyctl adds no rules to groups it "
     "did not create."),
]  # fmt: skip


@pytest.mark.parametrize(("args", "says"), REFUSED, ids=lambda v: " ".join(v)[:60])
def test_flags_that_do_not_apply_are_refused_naming_both(
    cli: Cli, world: dict[str, Any], args: list[str], says: str
) -> None:
    run = cli("init", "--yes", "--name", "orders-proxy", *args, input="pw-123456\n")
    assert run.exit_code == 2, run.stderr
    assert run.stderr.startswith(f"error: {says}"), run.stderr
    assert stack_leftovers(world["endpoint"]) == []


def test_a_spec_file_mode_gives_way_to_a_flag_that_implies_another(
    cli: Cli, world: dict[str, Any], tmp_path: Any
) -> None:
    """The spec says managed; --db-user on the command line means new, as flags win."""
    spec = tmp_path / "s.toml"
    spec.write_text('name = "orders-proxy"\ndatabase = "orders-db"\nsecret = "managed"\n')
    run = cli("init", "--dry-run", "--spec", str(spec), "--db-user", "app", "--generate-password")
    assert run.exit_code == 0, run.stderr
    assert "create secret proxyctl/orders-proxy/app" in run.stdout
