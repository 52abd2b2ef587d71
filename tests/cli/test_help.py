"""Every command explains itself with an example, speaks JSON, and completes."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import typer

from proxyctl.cli.app import app
from tests.aws_world import seed_aurora
from tests.conftest import SAMPLE_HOST, Cli
from tests.provision_helpers import seed_stack

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_PROXY_ARN = "arn:aws:rds:us-east-1:123456789012:db-proxy:prx-0a1b2c3d4e5f67890"


def command_paths(command: Any = None, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command and group below the root, as argument tuples."""
    command = command or typer.main.get_command(app)
    paths = [prefix]
    for name, sub in getattr(command, "commands", {}).items():
        paths += command_paths(sub, (*prefix, name))
    return paths


@pytest.mark.parametrize("path", command_paths(), ids=lambda p: " ".join(p) or "proxyctl")
def test_help_has_an_example(cli: Cli, path: tuple[str, ...]) -> None:
    run = cli(*path, "--help")
    assert run.exit_code == 0
    assert "Usage: proxyctl" in run.stdout
    groups_only = path == ("config",)  # a group whose commands carry the examples
    if not groups_only:
        assert "Examples:" in run.stdout, f"{' '.join(path)} --help has no example"
        example = run.stdout.split("Examples:")[1].splitlines()[1].strip()
        assert example.startswith("proxyctl") or example.startswith("eval")


# A successful run of every command that does something, with --output json.
JSON_RUNS: dict[tuple[str, ...], list[str]] = {
    ("token",): ["token", "--host", SAMPLE_HOST, "--user", "app"],
    ("token", "inspect"): ["token", "inspect", "-"],
    ("config", "show"): ["config", "show"],
    ("destroy",): ["--yes", "destroy", "orders"],
    ("grant",): ["grant", SAMPLE_PROXY_ARN, "--db-user", "app", "--print"],
    ("init",): ["init", "--dry-run"],
    # Nothing listens on port 1: a failed check (exit 6) is still one document.
    ("check",): ["check", "--host", "127.0.0.1", "--port", "1", "--user", "app"],
    # A short drill observing a healthy server (the PostgreSQL fixture fills in {port}, {ca}).
    ("failover-test",): [
        "failover-test",
        "--host",
        "localhost",
        "--port",
        "{port}",
        "--ca-bundle",
        "{ca}",
        "--user",
        "app",
        "--database",
        "app",
        "--auth",
        "password",
        "--no-direct",
        "--trigger",
        "none",
        "--interval",
        "0.1",
        "--baseline",
        "0.3",
        "--settle",
        "0.3",
        "--yes",
    ],
}
EXIT_CODES = {("check",): 6}
# Runs that read AWS get the moto server, seeded by the function named here.
AWS_SEEDS: dict[tuple[str, ...], Callable[[str], object]] = {
    ("destroy",): seed_stack,
    ("init",): seed_aurora,
}


def test_every_command_has_a_json_run() -> None:
    groups = {("config",), ()}
    assert set(command_paths()) - groups == set(JSON_RUNS)


@pytest.mark.parametrize("path", list(JSON_RUNS), ids=" ".join)
def test_json_output_is_one_document(
    cli: Cli, path: tuple[str, ...], request: pytest.FixtureRequest
) -> None:
    if path in AWS_SEEDS:
        AWS_SEEDS[path](request.getfixturevalue("aws"))
    token = cli("token", "--host", SAMPLE_HOST, "--user", "app").stdout
    args = JSON_RUNS[path]
    if path == ("failover-test",):
        server = request.getfixturevalue("pg_tls")
        args = [a.format(port=server.port, ca=server.ca_file) for a in args]
    run = cli("--output", "json", *args, input=token, env={"PGPASSWORD": "app-password"})
    assert run.exit_code == EXIT_CODES.get(path, 0), run.stderr
    doc = json.loads(run.stdout)  # one document, nothing else on stdout
    assert isinstance(doc, dict) and doc["schema_version"] == 1 and doc["kind"]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_files_match_the_app(shell: str) -> None:
    # A subprocess: Typer reads the detection switch when it builds the command.
    env = {"_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1", "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-m", "proxyctl", "--show-completion", shell],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    shipped = (ROOT / "completions" / f"proxyctl.{shell}").read_text()
    assert shipped == out.stdout, (
        f"completions/proxyctl.{shell} is stale: regenerate it with "
        f"`proxyctl --show-completion {shell} > completions/proxyctl.{shell}`"
    )


def test_bash_completion_completes_commands_and_options() -> None:
    env = {
        "COMP_WORDS": "proxyctl token --fo",
        "COMP_CWORD": "2",
        "_PROXYCTL_COMPLETE": "complete_bash",
    }
    out = subprocess.run(
        [sys.executable, "-m", "proxyctl"], env=env, capture_output=True, text=True, check=False
    )
    assert out.stdout.split() == ["--format"]


def test_help_imports_no_heavy_library() -> None:
    code = (
        "import sys\n"
        "sys.argv = ['proxyctl', '--help']\n"
        "from proxyctl.cli.app import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = ['boto3', 'botocore', 'psycopg', 'questionary', 'pydantic', 'rich']\n"
        "print(sorted(m for m in heavy if m in sys.modules), file=sys.stderr)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stderr.strip() == "[]"


def test_python_dash_m_and_version() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "proxyctl", "--version"], capture_output=True, text=True, check=True
    )
    from proxyctl import __version__

    assert out.stdout == f"proxyctl {__version__}\n"


def test_install_completion_still_works(tmp_path: Path) -> None:
    env = {
        "HOME": str(tmp_path),
        "PATH": "/usr/bin:/bin",
        "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1",
    }
    out = subprocess.run(
        [sys.executable, "-m", "proxyctl", "--install-completion", "bash"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "completion installed" in out.stdout
    installed = tmp_path / ".bash_completions" / "proxyctl.sh"
    shipped = (ROOT / "completions" / "proxyctl.bash").read_text()
    assert installed.read_text().strip() == shipped.strip()
    assert str(installed) in (tmp_path / ".bashrc").read_text()
