"""Global options work after the command as well as before it, as in the AWS CLI."""

from __future__ import annotations

import dataclasses
import json
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import typer

from proxyctl.cli import app as app_module
from proxyctl.cli.argv import split
from proxyctl.config import Settings
from proxyctl.tokens import inspect_token
from tests.aws_world import seed_aurora
from tests.conftest import ACCESS_KEY_ID, SAMPLE_HOST, SECRET_ACCESS_KEY, Cli

COMMANDS: dict[str, list[str]] = {
    "token": ["token", "--host", SAMPLE_HOST, "--user", "app"],
    # Nothing listens on port 1: the check fails (exit 6) the same way each time.
    "check": ["check", "--host", "127.0.0.1", "--port", "1", "--user", "app"],
    "init --dry-run": ["init", "--dry-run"],
    "config show": ["config", "show"],
}
# Each global option, and the setting that shows it was taken as a flag.
OPTIONS: dict[str, list[str]] = {
    "profile": ["--profile", "other"],
    "region": ["--region", "us-east-1"],
    "endpoint_url": ["--endpoint-url", "{aws}"],
    "output": ["--output", "json"],
    "no_input": ["--no-input"],
    "yes": ["--yes"],
    "yes (-y)": ["-y"],
    "debug": ["--debug"],
    "context": ["--context", "lab"],
}


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> list[Settings]:
    """The settings each run resolved."""
    runs: list[Settings] = []
    real = app_module.load_settings

    def spy(*args: Any) -> Settings:
        runs.append(real(*args))
        return runs[-1]

    monkeypatch.setattr(app_module, "load_settings", spy)
    return runs


@pytest.fixture(scope="module")
def seeded(moto_server: str) -> str:
    """One moto world for the module: init --dry-run only reads it."""
    request = urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=10).close()
    seed_aurora(moto_server)
    return moto_server


@pytest.fixture
def world(seeded: str, config_file: Path, isolated: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A moto world init can plan for, a profile `other` and a context `lab`."""
    monkeypatch.setenv("PROXYCTL_ENDPOINT_URL", seeded)
    (isolated / "aws" / "config").write_text("[profile other]\nregion = us-east-1\n")
    (isolated / "aws" / "credentials").write_text(
        f"[other]\naws_access_key_id = {ACCESS_KEY_ID}\n"
        f"aws_secret_access_key = {SECRET_ACCESS_KEY}\n"
    )
    config_file.write_text('[lab]\nregion = "us-east-1"\n')
    return seeded


def took_effect(option: str, settings: Settings) -> bool:
    if option.startswith("yes"):
        return settings.yes
    if option == "context":
        return settings.context == "lab"
    return settings.sources[option] == "flag"


@pytest.mark.parametrize("option", list(OPTIONS))
@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_global_option_after_the_command_acts_as_before_it(
    cli: Cli, world: str, seen: list[Settings], command: str, option: str
) -> None:
    flag = [arg.format(aws=world) for arg in OPTIONS[option]]
    args = COMMANDS[command]
    before = cli(*flag, *args)
    after = cli(*args, *flag)
    assert after.exit_code == before.exit_code, after.stderr
    assert before.exit_code in (0, 6), before.stderr  # 6: the check of port 1
    assert took_effect(option, seen[1])
    assert dataclasses.asdict(seen[1]) == dataclasses.asdict(seen[0])
    if option == "output":
        assert json.loads(after.stdout)["kind"] == json.loads(before.stdout)["kind"]


def test_the_region_warning_advice_works_as_given(cli: Cli) -> None:
    args = ["token", "--host", SAMPLE_HOST, "--user", "app", "--region", "eu-west-1"]
    warned = cli(*args)
    assert warned.exit_code == 0
    assert warned.stderr.rstrip().endswith("pass --region us-east-1.")
    # The advice, appended to the same command: the later flag wins, as before a command.
    run = cli(*args, "--region", "us-east-1")
    assert (run.exit_code, run.stderr) == (0, "")
    assert inspect_token(run.stdout, datetime.now(UTC)).region == "us-east-1"


def test_equals_forms_and_values_after_the_command(cli: Cli) -> None:
    run = cli("token", "--host", SAMPLE_HOST, "--user=app", "--output=json", "--region=us-east-1")
    assert run.exit_code == 0, run.stderr
    assert run.json()["region"] == "us-east-1"


def test_an_unknown_option_after_the_command_is_still_an_error(cli: Cli) -> None:
    run = cli("token", "--host", SAMPLE_HOST, "--user", "app", "--regoin", "us-east-1")
    assert run.exit_code == 2
    assert run.stderr.startswith("error: No such option: --regoin")


ROOT = typer.main.get_command(app_module.app)


@pytest.mark.parametrize(
    ("args", "moved"),
    [
        # A value that looks like a global option belongs to the option before it.
        (["token", "--user", "--debug", "--host", "h"], []),
        (["token", "inspect", "--", "--debug"], []),
        (["token", "inspect", "-", "-y"], ["-y"]),
        (["--region", "a", "token", "--region", "b"], ["--region", "b"]),
        (
            ["token", "--proxy", "p", "--context", "lab", "--no-input"],
            ["--context", "lab", "--no-input"],
        ),
        (["nosuch", "--debug"], []),
    ],
)
def test_what_is_moved(args: list[str], moved: list[str]) -> None:
    line = split(ROOT, args)
    assert line.moved == moved
    assert sorted(line.args()) == sorted(args)
