"""Isolation for every test, a CLI runner, and one moto server for the session."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from proxyctl.cli.app import app
from proxyctl.lab.moto import reset_moto, start_moto
from tests.answers import Answers
from tests.aws_world import REGION, boto_client
from tests.pg import or_fail

__all__ = ["REGION", "boto_client"]

# Real PostgreSQL servers: pg_tls, pg_plain, pg_server.
pytest_plugins = ["tests.pg"]

# Values tests may rely on: what the isolation fixture puts in the environment.
ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SAMPLE_HOST = "demo.proxy-c0ffee123456.us-east-1.rds.amazonaws.com"


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Fake AWS credentials and region, a temporary config dir, plain narrow output."""
    for name in list(os.environ):
        if name.startswith(("AWS_", "PROXYCTL_", "PG")) or name in ("CI", "XDG_CONFIG_HOME"):
            monkeypatch.delenv(name)
    aws_dir = tmp_path / "aws"
    aws_dir.mkdir()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(aws_dir / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(aws_dir / "credentials"))
    # No instance metadata look-ups (slow timeouts off EC2); a moto 500 fails at once.
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    config_home = tmp_path / "xdg-config"
    config_home.mkdir()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config_home))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "100")
    return tmp_path


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


class Cli:
    """Runs proxyctl in-process, as the console script would, with stdout and stderr apart."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(
        self, *args: str, input: str | None = None, env: dict[str, str] | None = None
    ) -> Run:
        result = self.runner.invoke(app, list(args), input=input, env=env, catch_exceptions=False)
        return Run(result.exit_code, result.stdout, result.stderr)


@pytest.fixture
def cli() -> Cli:
    return Cli()


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> Callable[[Mapping[str, Any]], Answers]:
    """Prompts on, as on a terminal, answered from a script; returns the scripted Asker.

        asked = answers({"--user": "app"}); run = cli("token", "--host", H)
        assert asked.flags == ["--user"]

    The App of each run gets this Asker (with --no-input or CI, prompts stay off).
    """
    import proxyctl.config
    from proxyctl.cli import prompts

    def script(given: Mapping[str, Any]) -> Answers:
        asker = Answers(given)
        monkeypatch.setattr(proxyctl.config, "stdin_is_interactive", lambda env: (True, "default"))
        monkeypatch.setattr(
            prompts,
            "make_asker",
            lambda s: prompts.Defaults(s.prompts_off_because) if s.no_input else asker,
        )
        return asker

    return script


@pytest.fixture
def config_file(isolated: Path) -> Path:
    """Where proxyctl looks for config.toml in these tests (the platform's user config dir)."""
    path = isolated / "xdg-config" / "proxyctl" / "config.toml"
    path.parent.mkdir(parents=True)
    return path


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """One moto server for the whole session (its first start costs seconds)."""
    moto = or_fail(start_moto)
    try:
        yield moto.url
    finally:
        moto.stop()


@pytest.fixture
def aws(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A clean moto server, with PROXYCTL_ENDPOINT_URL pointing at it."""
    reset_moto(moto_server)
    monkeypatch.setenv("PROXYCTL_ENDPOINT_URL", moto_server)
    return moto_server


@pytest.fixture(autouse=True)
def no_debug_logging() -> Iterator[None]:
    """--debug in one test must not leave log handlers, nor remembered secrets, behind."""
    yield
    from proxyctl.logs import disable_debug, forget_secrets

    disable_debug()
    forget_secrets()


# Modules that measure real time against a window the test recorded (outages,
# stalls, bounded waits). They run alone, after the parallel part (tests/run.sh), so
# that another test's load never stretches what they measure.
TIMING_MODULES = {
    "tests/aws/test_failover.py",
    "tests/check/test_check_terminal.py",
    "tests/check/test_dataplane.py",
    "tests/check/test_query_faults.py",
    "tests/cli/test_drill_view.py",
    "tests/db/test_probe.py",
    "tests/drill/test_freeze.py",
    "tests/load/test_interrupt.py",
    "tests/load/test_live_view.py",
    "tests/drill/test_promotion.py",
    "tests/drill/test_run.py",
    "tests/drill/test_trigger_command.py",
    "tests/lab/test_front_timing.py",
    "tests/shell/test_terminal.py",
    "tests/lab/test_lab_drill.py",
    "tests/lab/test_tour.py",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = Path(str(config.rootpath))
    for item in items:
        if Path(str(item.path)).relative_to(root).as_posix() in TIMING_MODULES:
            item.add_marker(pytest.mark.timing)
