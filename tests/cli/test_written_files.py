"""--save-spec, --export-terraform and --report: bad paths, links and existing files are
usage errors (exit 2) found before any AWS call or drill; --force or a yes replaces."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_init import full_args, world  # noqa: F401 (a fixture)
from tests.cli.test_prompts import run_in_terminal
from tests.conftest import Cli

# Nothing listens here: a run that reached AWS would fail with exit 5, not 2.
NO_AWS = ("--endpoint-url", "http://127.0.0.1:9")
TF_FILES = ["main.tf", "outputs.tf", "variables.tf", "versions.tf"]


def init(cli: Cli, *extra: str) -> Any:
    return cli(*NO_AWS, "init", "--db-cluster", "orders-db", "--dry-run", *extra)


def test_an_existing_spec_file_is_kept_without_force(cli: Cli, tmp_path: Path) -> None:
    spec = tmp_path / "orders.toml"
    spec.write_text("mine\n")
    run = init(cli, "--save-spec", str(spec))
    assert run.exit_code == 2, run.stderr
    assert run.stderr == (
        f"error: --save-spec: {spec} exists; pass --force to overwrite.\n"
        "hint: Or name another file; nothing was written.\n"
    )
    assert spec.read_text() == "mine\n"


def test_existing_terraform_files_are_kept_without_force(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "tf").mkdir()
    (tmp_path / "tf" / "main.tf").write_text("mine\n")
    run = init(cli, "--export-terraform", str(tmp_path / "tf"))
    assert run.exit_code == 2, run.stderr
    assert f"--export-terraform: {tmp_path / 'tf' / 'main.tf'} exists; pass --force" in run.stderr
    assert os.listdir(tmp_path / "tf") == ["main.tf"]


def test_a_symlink_at_the_spec_path_is_refused(cli: Cli, tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    (tmp_path / "orders.toml").symlink_to(victim)
    run = init(cli, "--save-spec", str(tmp_path / "orders.toml"), "--force")
    assert run.exit_code == 2, run.stderr
    assert "is a symbolic link; proxyctl does not write through links." in run.stderr
    assert victim.read_text() == "precious\n"


@pytest.mark.parametrize(
    ("flag", "make", "said"),
    [
        ("--save-spec", "dir", "is a directory; --save-spec takes a file name."),
        ("--export-terraform", "file", "is a file; --export-terraform takes a directory."),
        ("--export-terraform", "file/below", "is a file; --export-terraform takes a directory."),
    ],
)
def test_a_directory_for_a_file_and_back_is_exit_2(
    cli: Cli, tmp_path: Path, flag: str, make: str, said: str
) -> None:
    (tmp_path / "dir").mkdir()
    (tmp_path / "file").write_text("")
    run = init(cli, flag, str(tmp_path / make))
    assert run.exit_code == 2, run.stderr
    assert run.stderr.startswith(f"error: {flag}: ") and said in run.stderr


def test_force_replaces_and_success_is_a_note_not_a_warning(
    cli: Cli,
    world: dict[str, Any],  # noqa: F811 (the fixture)
    tmp_path: Path,
) -> None:
    spec, tf = tmp_path / "orders.toml", tmp_path / "tf"
    tf.mkdir()
    spec.write_text("old\n")
    (tf / "main.tf").write_text("old\n")
    (tf / "notes.txt").write_text("mine\n")
    args = ("--dry-run", "--save-spec", str(spec), "--export-terraform", str(tf))
    run = cli(*full_args(world, *args, "--force"))
    assert run.exit_code == 0, run.stderr
    assert 'name = "orders-proxy"' in spec.read_text()
    assert "aws_db_proxy" in (tf / "main.tf").read_text()
    assert sorted(os.listdir(tf)) == sorted(["notes.txt", *TF_FILES])  # nothing else touched
    assert f"saved the answers to {spec}\n" in run.stderr
    assert f"wrote Terraform to {tf}: versions.tf, variables.tf, main.tf, outputs.tf\n" in (
        run.stderr
    )
    assert "warning:" not in run.stderr


def test_new_files_get_the_umask(
    cli: Cli,
    world: dict[str, Any],  # noqa: F811 (the fixture)
    tmp_path: Path,
) -> None:
    old = os.umask(0o077)
    try:
        args = ("--dry-run", "--save-spec", str(tmp_path / "s.toml"))
        run = cli(*full_args(world, *args, "--export-terraform", str(tmp_path / "tf")))
    finally:
        os.umask(old)
    assert run.exit_code == 0, run.stderr
    for path in (tmp_path / "s.toml", *(tmp_path / "tf" / name for name in TF_FILES)):
        assert path.stat().st_mode & 0o777 == 0o600, path


def drill(cli: Cli, report: Path, *extra: str) -> Any:
    args = ("failover-test", "--host", "db.test", "--user", "app", "--auth", "password")
    return cli(*NO_AWS, *args, "--trigger", "none", "--report", str(report), *extra)


def test_an_existing_report_is_kept_before_the_drill_starts(cli: Cli, tmp_path: Path) -> None:
    report = tmp_path / "drill.json"
    report.write_text("last week's\n")
    run = drill(cli, report)
    assert run.exit_code == 2, run.stderr
    assert run.stderr.startswith(f"error: --report: {report} exists; pass --force to overwrite.")
    assert report.read_text() == "last week's\n"
    (tmp_path / "drill.md").mkdir()
    run = drill(cli, tmp_path / "drill.md")
    assert run.exit_code == 2 and "is a directory; --report takes a file name." in run.stderr


def test_overwriting_is_asked_on_a_terminal(tmp_path: Path) -> None:
    report = tmp_path / "drill.json"
    report.write_text("last week's\n")
    args = ["failover-test", "--host", "db.test", "--user", "app", "--auth", "password"]
    args += ["--trigger", "none", "--report", str(report)]
    code, screen = run_in_terminal(args, "n", {}, prompt=b"Overwrite?")
    assert code == 2, screen
    assert "Overwrite? " in screen and "drill.json exis" in screen  # the long path wraps
    assert f"error: --report: {report} exists; pass --force to overwrite." in screen
    assert report.read_text() == "last week's\n"
