"""Every command explains itself with an example, speaks JSON, and completes."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer._types import TyperChoice

from proxyctl.cli.app import app
from tests.aws_world import seed_aurora
from tests.conftest import SAMPLE_HOST, Cli
from tests.provision_helpers import seed_stack

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_PROXY_ARN = "arn:aws:rds:us-east-1:123456789012:db-proxy:prx-0a1b2c3d4e5f67890"


def command_paths(command: Any = None, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command and group below the root, as argument tuples (this loads them all)."""
    command = command or typer.main.get_command(app)
    paths = [prefix]
    for name, sub in getattr(command, "commands", {}).items():
        paths += command_paths(sub, (*prefix, name))
    return paths


def options_of(command: Any) -> list[str]:
    """The long flags a user may type after COMMAND (hidden old spellings are not offered)."""
    return [
        opt
        for param in command.params
        if param.param_type_name == "option" and not param.hidden
        for opt in (*param.opts, *param.secondary_opts)
        if opt.startswith("--")
    ]


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
    # The lab verbs against a directory with no lab ({dir}); `lab up` refuses one that
    # holds other files (exit 2): a real lab is started by tests/lab.
    ("lab", "up"): ["lab", "up", "--dir", "{dir}/not-a-lab"],
    ("lab", "down"): ["lab", "down", "--dir", "{dir}"],
    ("lab", "status"): ["lab", "status", "--dir", "{dir}"],
    ("lab", "env"): ["lab", "env", "--dir", "{dir}"],
    ("lab", "failover"): ["lab", "failover", "--dir", "{dir}"],
    ("destroy",): ["--yes", "destroy", "orders"],
    ("grant",): ["grant", SAMPLE_PROXY_ARN, "--db-user", "app", "--print"],
    ("init",): ["init", "--dry-run"],
    ("pinning",): ["pinning", "-"],
    ("status",): ["status", "orders"],
    ("advise",): ["advise", "--db-cluster", "orders-db"],
    # Nothing listens on port 1: a failed check (exit 6) is still one document.
    ("check",): ["check", "--host", "127.0.0.1", "--port", "1", "--user", "app"],
    # Three refused connections (nothing listens on port 1): still one document, exit 0.
    ("load",): [
        "load",
        "--host",
        "127.0.0.1",
        "--port",
        "1",
        "--user",
        "app",
        "--connections",
        "3",
    ],
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
    # One statement against the same server, as a script.
    ("connect",): [
        "connect",
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
        "-c",
        "select 1",
    ],
}
EXIT_CODES = {
    ("check",): 6,
    ("lab", "up"): 2,
    ("lab", "status"): 3,
    ("lab", "env"): 3,
    ("lab", "failover"): 3,
}
# Runs that read AWS get the moto server, seeded by the function named here.
AWS_SEEDS: dict[tuple[str, ...], Callable[[str], object]] = {
    ("destroy",): seed_stack,
    ("init",): seed_aurora,
    ("advise",): seed_aurora,
    ("status",): seed_stack,
}


def test_every_command_has_a_json_run() -> None:
    groups = {("config",), ("lab",), ()}
    assert set(command_paths()) - groups == set(JSON_RUNS)


@pytest.mark.parametrize("path", list(JSON_RUNS), ids=" ".join)
def test_json_output_is_one_document(
    cli: Cli, path: tuple[str, ...], request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    if path in AWS_SEEDS:
        AWS_SEEDS[path](request.getfixturevalue("aws"))
    token = cli("token", "--host", SAMPLE_HOST, "--user", "app").stdout
    args = JSON_RUNS[path]
    if path in (("failover-test",), ("connect",)):
        server = request.getfixturevalue("pg_tls")
        args = [a.format(port=server.port, ca=server.ca_file) for a in args]
    lab_dir = tmp_path / "lab"
    (lab_dir / "not-a-lab").mkdir(parents=True)
    (lab_dir / "not-a-lab" / "notes.txt").write_text("mine\n")
    args = [a.replace("{dir}", str(lab_dir)) for a in args]
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


def bash_completes(*words: str) -> list[str]:
    """What proxyctl offers bash for the last word, through bash's own protocol."""
    env = {
        "COMP_WORDS": " ".join(("proxyctl", *words)),
        "COMP_CWORD": str(len(words)),
        "_PROXYCTL_COMPLETE": "complete_bash",
        "PATH": "/usr/bin:/bin",
    }
    out = subprocess.run(
        [sys.executable, "-m", "proxyctl"], env=env, capture_output=True, text=True, check=True
    )
    return out.stdout.split()


@pytest.mark.parametrize(
    ("words", "values"),
    [
        (("check", "--auth", ""), ["iam", "secret", "password"]),
        (("failover-test", "--auth", "s"), ["secret"]),
        (("failover-test", "--mode", ""), ["reconnect", "persistent"]),
        (("failover-test", "--trigger", ""), ["aws", "none", "command"]),
        (("init", "--secret", ""), ["managed", "existing", "new"]),
        (("init", "--iam-auth", ""), ["REQUIRED", "DISABLED"]),
        (("init", "--client-password-auth", ""), ["scram", "md5"]),
        (("token", "--format", ""), ["token", "env", "uri", "json"]),
        (("--output", ""), ["text", "json"]),
    ],
)
def test_bash_completes_the_values_of_options(words: tuple[str, ...], values: list[str]) -> None:
    # An empty answer makes bash (complete -o default) offer file names instead.
    assert bash_completes(*words) == values


def _options_with_fixed_values(command: Any, path: str = "proxyctl") -> Iterator[tuple[str, Any]]:
    for param in command.params:
        kind = isinstance(param.type, TyperChoice)
        if param.param_type_name == "option" and (kind or param.metavar in ("MODE", "KIND")):
            yield f"{path} {param.opts[0]}", param
    for name, sub in getattr(command, "commands", {}).items():
        yield from _options_with_fixed_values(sub, f"{path} {name}")


def test_every_option_with_fixed_values_completes_them() -> None:
    root = typer.main.get_command(app)
    from proxyctl.cli.completion import complete_fixed_values

    complete_fixed_values(root)
    found = dict(_options_with_fixed_values(root))
    assert len(found) >= 9
    for name, param in found.items():
        ctx = typer.Context(root)
        assert param.shell_complete(ctx, ""), f"{name} completes nothing (bash offers file names)"


def test_zsh_completes_on_the_first_tab(tmp_path: Path) -> None:
    """completions/proxyctl.zsh installed as the README says, in a new zsh on a terminal."""
    zsh = shutil.which("zsh")
    assert zsh, "zsh is missing: apt-get install zsh (tests/run.sh does, as root)"
    zfunc = tmp_path / ".zfunc"
    zfunc.mkdir()
    shutil.copy(ROOT / "completions" / "proxyctl.zsh", zfunc / "_proxyctl")
    env = {
        "HOME": str(tmp_path),
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "TERM": "xterm",
        "PS1": "> ",
    }
    pid, fd = pty.fork()
    if pid == 0:  # the child: a fresh zsh without any rc file
        os.execve(zsh, [zsh, "-f", "-i"], env)  # noqa: S606 (the pty's child becomes zsh)
    try:
        # The README's lines for ~/.zshrc (compinit -u: tmp_path is not the user's).
        os.write(fd, b"bindkey -e; fpath+=~/.zfunc; autoload -Uz compinit; compinit -u\n")
        os.write(fd, b"proxyctl token --for\t")
        screen = _read_until(fd, b"--format", timeout=30)
        assert b"--format" in screen, f"the first TAB completed nothing: {screen[-300:]!r}"
        # Run the completed line as an echo, to read it back whole.
        os.write(fd, b"\x01echo DONE:\r")
        screen = _read_until(fd, b"DONE:proxyctl token --format", timeout=10)
        assert b"\nDONE:proxyctl token --format" in screen.replace(b"\r", b"")
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)


def _read_until(fd: int, wanted: bytes, timeout: float) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while wanted not in seen.replace(b"\r", b"") and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                seen += os.read(fd, 4096)
            except OSError:
                break
    return seen


HEAVY = ["boto3", "botocore", "psycopg", "questionary", "prompt_toolkit", "pydantic", "rich"]


def modules_imported(*args: str) -> list[str]:
    """The heavy libraries and command modules that `proxyctl ARGS` imports."""
    code = (
        "import sys\n"
        f"sys.argv = ['proxyctl', *{list(args)!r}]\n"
        "from proxyctl.cli.app import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"wanted = {HEAVY!r} + sorted(m for m in sys.modules if m.startswith('proxyctl.cli.'))\n"
        "print(sorted(m for m in wanted if m in sys.modules), file=sys.stderr)\n"
    )
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    return list(json.loads(out.stderr.strip().splitlines()[-1].replace("'", '"')))


def command_modules(modules: list[str]) -> list[str]:
    """The modules among MODULES that hold a command (cli.options, cli.prompts... do not)."""
    from proxyctl.cli.registry import COMMANDS

    return sorted({e.module for e in COMMANDS.values()} & set(modules))


def test_help_imports_no_command_and_no_heavy_library() -> None:
    imported = modules_imported("--help")
    assert command_modules(imported) == []
    assert [m for m in imported if m in HEAVY] == []
    # Nor anything of the commands' own (options, prompts, the config check's index).
    assert [m for m in imported if m.startswith("proxyctl.cli.")] == [
        "proxyctl.cli.app", "proxyctl.cli.argv", "proxyctl.cli.completion",
        "proxyctl.cli.errors", "proxyctl.cli.registry",
    ]  # fmt: skip


def test_a_commands_help_imports_only_that_command() -> None:
    imported = modules_imported("token", "--help")
    assert command_modules(imported) == ["proxyctl.cli.token"]
    assert [m for m in imported if m in HEAVY] == []


def test_the_registry_says_what_each_command_says() -> None:
    from proxyctl.cli import registry

    root = typer.main.get_command(app)
    for name, entry in registry.COMMANDS.items():
        command = root.get_command(typer.Context(root), name)  # type: ignore[attr-defined]
        assert entry.help == command.get_short_help_str(1000), (
            f"registry.COMMANDS[{name!r}].help is not the first line of its help"
        )


def test_the_option_index_is_up_to_date() -> None:
    from proxyctl.cli import option_index, registry

    fresh: dict[str, Any] = {}
    exec(registry.index_text(), fresh)  # noqa: S102 (our own generated module)
    assert (fresh["KEYS"], fresh["ALIASES"]) == (option_index.KEYS, option_index.ALIASES), (
        "proxyctl/cli/option_index.py is stale: regenerate it with `python -m "
        "proxyctl.cli.registry > proxyctl/cli/option_index.py && ruff format proxyctl/cli`"
    )


def zsh_completes(*words: str) -> list[str]:
    """What proxyctl offers zsh for the last word (the names, without their help)."""
    env = {
        "_TYPER_COMPLETE_ARGS": " ".join(("proxyctl", *words)),
        "_PROXYCTL_COMPLETE": "complete_zsh",
        "PATH": "/usr/bin:/bin",
    }
    out = subprocess.run(
        [sys.executable, "-m", "proxyctl"], env=env, capture_output=True, text=True, check=True
    )
    return re.findall(r'^(?:_arguments .*?\(\()?"([^"]+)":', out.stdout, flags=re.M)


def test_completion_offers_every_command() -> None:
    from proxyctl.cli import registry

    assert bash_completes("") == list(registry.COMMANDS)
    assert zsh_completes("") == list(registry.COMMANDS)


@pytest.mark.parametrize("path", [p for p in command_paths() if p], ids=" ".join)
def test_completion_offers_every_option(path: tuple[str, ...]) -> None:
    command: Any = typer.main.get_command(app)
    for name in path:
        command = command.get_command(typer.Context(command), name)
    wanted = options_of(command)
    offered_bash = bash_completes(*path, "--")
    offered_zsh = zsh_completes(*path, "--")
    assert set(wanted) - set(offered_bash) == set(), f"bash: {' '.join(path)}"
    assert set(wanted) - set(offered_zsh) == set(), f"zsh: {' '.join(path)}"


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
