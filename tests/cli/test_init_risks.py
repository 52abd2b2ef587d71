"""Settings that weaken a proxy are said out loud and must be confirmed."""

from __future__ import annotations

from typing import Any

import pytest

from tests.aws_world import seed_aurora
from tests.conftest import Cli, boto_client

OPEN = "--allow-cidr 0.0.0.0/0 lets every address reach the proxy on 5432."
NO_TLS = "--no-require-tls: clients may connect without TLS, sending passwords and data in clear."
NO_IAM = (
    "--iam-auth DISABLED: clients sign in with database passwords instead of 15-minute IAM tokens."
)
MD5 = "--client-password-auth md5: MD5 password hashes are weak; SCRAM is the default."
LOOSE = [
    "--allow-cidr", "0.0.0.0/0", "--no-require-tls", "--iam-auth", "DISABLED",
    "--client-password-auth", "md5",
]  # fmt: skip


@pytest.fixture
def world(aws: str) -> dict[str, Any]:
    seed = seed_aurora(aws)
    seed["endpoint"] = aws
    return seed


def test_without_yes_risky_settings_are_named_and_refused(cli: Cli, world: dict[str, Any]) -> None:
    run = cli("init", *LOOSE)
    assert run.exit_code == 2
    for warning in (OPEN, NO_TLS, NO_IAM, MD5):
        assert f"warning: {warning}\n" in run.stderr
    assert (
        "init changes AWS resources and 4 settings above weaken the proxy's security: "
        "confirm with --yes." in run.stderr
    )
    assert boto_client(world["endpoint"], "rds").describe_db_proxies()["DBProxies"] == []


def test_json_dry_run_has_the_warnings_in_the_document_and_on_stderr(
    cli: Cli, world: dict[str, Any]
) -> None:
    run = cli("--output", "json", "init", "--dry-run", *LOOSE)
    assert run.exit_code == 0, run.stderr
    assert run.json()["risks"] == [OPEN, NO_TLS, NO_IAM, MD5]
    assert run.stderr == "".join(f"warning: {w}\n" for w in (OPEN, NO_TLS, NO_IAM, MD5))


def test_with_yes_it_applies_and_the_result_keeps_the_warnings(
    cli: Cli, world: dict[str, Any]
) -> None:
    run = cli("--output", "json", "init", "--yes", "--allow-cidr", "::/0")
    assert run.exit_code == 0, run.stderr
    wide = "--allow-cidr ::/0 lets every address reach the proxy on 5432."
    assert f"warning: {wide}\n" in run.stderr
    assert wide in run.json()["warnings"]


def test_ranges_inside_the_vpc_or_private_are_not_risky(cli: Cli, world: dict[str, Any]) -> None:
    args = [
        "--allow-cidr",
        "172.31.0.0/16",
        "--allow-cidr",
        "10.0.0.0/8",
        "--allow-cidr",
        "fd00::/8",
    ]
    run = cli("--output", "json", "init", "--dry-run", *args)
    assert run.exit_code == 0, run.stderr
    assert run.json()["risks"] == [] and run.stderr == ""


def test_a_public_range_is_named(cli: Cli, world: dict[str, Any]) -> None:
    run = cli("--output", "json", "init", "--dry-run", "--allow-cidr", "198.51.100.0/24")
    assert run.json()["risks"] == [
        "--allow-cidr 198.51.100.0/24 includes addresses outside private networks."
    ]


@pytest.mark.parametrize("user", ["*", "app_*"])
def test_init_refuses_a_wildcard_database_user(cli: Cli, user: str) -> None:
    # An endpoint nothing listens on: the refusal comes before any AWS call.
    unreachable = {"PROXYCTL_ENDPOINT_URL": "http://127.0.0.1:9"}
    run = cli(
        "init", "--yes", "--secret", "new", "--db-user", user, "--generate-password",
        env=unreachable,
    )  # fmt: skip
    assert run.exit_code == 2
    assert f"--db-user: {user!r} holds an IAM wildcard or policy variable" in run.stderr


def test_on_a_terminal_a_dry_run_names_each_risk_once(world: dict[str, Any]) -> None:
    """stdout and stderr share the screen there: the plan's own warnings are enough."""
    from tests.cli.terminal import Terminal

    with Terminal(["--no-input", "init", "--dry-run", *LOOSE]) as term:
        assert term.finish() == 0, term.screen
    for warning in (OPEN, NO_TLS, NO_IAM, MD5):
        assert term.screen.count(warning) == 1, term.screen
