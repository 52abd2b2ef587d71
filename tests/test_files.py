"""proxyctl.files: how every file proxyctl writes is written, on the real file system."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from proxyctl import files
from proxyctl.errors import ExitCode, UsageError


@contextmanager
def umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def out(tmp_path: Path) -> Path:
    path = tmp_path / "out"
    path.mkdir()
    return path


def test_a_new_file_is_written_whole_and_nothing_else_is_left(out: Path) -> None:
    files.write_text(out / "a.toml", "name = 1\n", "--save-spec", overwrite=False)
    assert (out / "a.toml").read_text() == "name = 1\n"
    assert os.listdir(out) == ["a.toml"]


@pytest.mark.parametrize(("mask", "expected"), [(0o077, 0o600), (0o022, 0o644), (0o002, 0o664)])
def test_a_new_file_gets_the_umask_s_mode(out: Path, mask: int, expected: int) -> None:
    with umask(mask):
        files.write_text(out / "drill.md", "x\n", "--report", overwrite=False)
    assert mode(out / "drill.md") == expected


def test_a_replaced_file_keeps_its_mode(out: Path) -> None:
    path = out / "a.toml"
    path.write_text("old\n")
    path.chmod(0o640)
    with umask(0o022):
        files.write_text(path, "new\n", "--save-spec", overwrite=True)
    assert path.read_text() == "new\n" and mode(path) == 0o640


def test_a_symlink_at_the_target_is_refused_and_its_target_untouched(out: Path) -> None:
    victim = out / "victim"
    victim.write_text("precious\n")
    link = out / "a.toml"
    link.symlink_to(victim)
    for overwrite in (False, True):
        with pytest.raises(UsageError) as caught:
            files.write_text(link, "evil\n", "--save-spec", overwrite=overwrite)
        assert caught.value.message == (
            f"--save-spec: {link} is a symbolic link; proxyctl does not write through links."
        )
        assert caught.value.exit_code == ExitCode.USAGE
    assert victim.read_text() == "precious\n" and link.is_symlink()
    assert sorted(os.listdir(out)) == ["a.toml", "victim"]


def test_a_dangling_symlink_is_refused_and_nothing_is_created(out: Path) -> None:
    link = out / "drill.json"
    link.symlink_to(out / "elsewhere.json")
    with pytest.raises(UsageError, match="symbolic link"):
        files.write_text(link, "{}", "--report", overwrite=False)
    assert not (out / "elsewhere.json").exists()


def test_a_symlink_planted_at_the_temporary_name_is_not_followed(
    out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    victim = out / "victim"
    victim.write_text("precious\n")
    (out / ".a.toml.planted.tmp").symlink_to(victim)
    names = iter(["planted", "fresh"])
    monkeypatch.setattr(files.secrets, "token_hex", lambda n: next(names))
    files.write_text(out / "a.toml", "new\n", "--save-spec", overwrite=False)
    assert victim.read_text() == "precious\n"
    assert (out / "a.toml").read_text() == "new\n"


def test_an_existing_file_is_kept_without_consent(out: Path) -> None:
    path = out / "a.toml"
    path.write_text("old\n")
    with pytest.raises(UsageError) as caught:
        files.write_text(path, "new\n", "--save-spec", overwrite=False)
    assert caught.value.message == f"--save-spec: {path} exists; pass --force to overwrite."
    assert caught.value.field == "--force"
    assert path.read_text() == "old\n" and os.listdir(out) == ["a.toml"]


def test_consent_force_or_a_yes_and_a_no_or_no_terminal_refuses(out: Path) -> None:
    there = [out / "main.tf", out / "outputs.tf"]
    asked: list[str] = []

    def answer(yes: bool) -> files.Confirm:
        return lambda question: asked.append(question) is None and yes

    files.confirm_overwrite(there, "--export-terraform", True, None)
    files.confirm_overwrite(there, "--export-terraform", False, answer(True))
    assert asked == [f"{there[0]}, {there[1]} exist. Overwrite?"]  # once for all of them
    for confirm in (answer(False), None):
        with pytest.raises(UsageError, match=r"exist; pass --force to overwrite\.$"):
            files.confirm_overwrite(there, "--export-terraform", False, confirm)
    files.confirm_overwrite([], "--export-terraform", False, None)  # nothing to replace


def test_a_file_that_appears_after_the_check_is_not_replaced(
    out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = out / "a.toml"
    real = files._write_temp

    def racing(target: Path, text: str, keep_mode_of: Path | None) -> Path:
        made = real(target, text, keep_mode_of)
        target.write_text("someone else's\n")  # between the check and the rename
        return made

    monkeypatch.setattr(files, "_write_temp", racing)
    with pytest.raises(UsageError, match="pass --force"):
        files.write_text(path, "new\n", "--save-spec", overwrite=False)
    assert path.read_text() == "someone else's\n" and os.listdir(out) == ["a.toml"]


def test_a_directory_for_a_file_and_a_file_for_a_directory_are_usage_errors(out: Path) -> None:
    with pytest.raises(UsageError) as caught:
        files.check_file_target(out, "--save-spec")
    assert (
        caught.value.message == f"--save-spec: {out} is a directory; --save-spec takes a file name."
    )
    assert caught.value.field == "--save-spec"
    plain = out / "tf"
    plain.write_text("")
    for directory in (plain, plain / "below"):
        with pytest.raises(UsageError) as caught:
            files.check_dir_target(directory, "--export-terraform", ["main.tf"])
        assert caught.value.message == (
            f"--export-terraform: {plain} is a file; --export-terraform takes a directory."
        )
    with pytest.raises(UsageError, match=r"the directory .* does not exist"):
        files.check_file_target(out / "nowhere" / "a.toml", "--save-spec")


def test_a_symlinked_directory_and_a_symlinked_file_in_it_are_refused(out: Path) -> None:
    real = out / "real"
    real.mkdir()
    (out / "tf").symlink_to(real)
    with pytest.raises(UsageError, match=r"tf is a symbolic link"):
        files.check_dir_target(out / "tf", "--export-terraform", ["main.tf"])
    (real / "main.tf").symlink_to(out / "victim")
    with pytest.raises(UsageError, match=r"main\.tf is a symbolic link"):
        files.check_dir_target(real, "--export-terraform", ["main.tf", "outputs.tf"])
    assert not (out / "victim").exists()


def test_existing_files_in_a_directory_are_listed(out: Path) -> None:
    (out / "main.tf").write_text("")
    found = files.check_dir_target(out, "--export-terraform", ["versions.tf", "main.tf"])
    assert found == [out / "main.tf"]
    assert files.check_dir_target(out / "new", "--export-terraform", ["main.tf"]) == []


def test_a_failure_midway_leaves_no_partial_file_and_the_old_ones_as_they_were(
    out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (out / "b.tf").write_text("old b\n")
    written: list[str] = []
    real_fsync = os.fsync

    def disk_full_on_the_third(fd: int) -> None:
        written.append("x")
        if len(written) == 3:
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", disk_full_on_the_third)
    texts = [(out / name, f"new {name}\n") for name in ("a.tf", "b.tf", "c.tf", "d.tf")]
    with pytest.raises(UsageError) as caught:
        files.write_files(texts, "--export-terraform", overwrite=True)
    assert caught.value.message == (
        f"--export-terraform: cannot write {out / 'c.tf'}: No space left on device."
    )
    assert os.listdir(out) == ["b.tf"] and (out / "b.tf").read_text() == "old b\n"


def test_a_drill_report_is_not_forced_to_0644(out: Path) -> None:
    from proxyctl.drill.report import write_report
    from proxyctl.drill.samples import DrillSettings
    from proxyctl.drill.timeline import analyze

    settings = DrillSettings(
        trigger="none",
        mode="reconnect",
        interval=0.2,
        probe_timeout=1.0,
        baseline=1.0,
        settle=1.0,
        timeout=10.0,
        started=datetime.now(UTC),
        endpoints=[],
    )
    with umask(0o077):
        write_report(
            out / "drill.md", settings, [], [], analyze([], [], [], interval=0.2, ended_at=1.0)
        )
    assert mode(out / "drill.md") == 0o600
