"""The files proxyctl writes: a spec (--save-spec), Terraform (--export-terraform), a drill
report (--report).

Every write is atomic (a temporary file in the same directory, then a rename), so a
reader never sees half a file and a failure leaves the old file or none. proxyctl never
writes through a symbolic link: a link where the file (or the Terraform directory) should
be is refused, and the temporary file is created exclusively, so a link planted at its
name is not followed either. An existing file is replaced only with consent (--force, or
yes to the question on a terminal). A new file gets 0666 less the umask, as any other
program's would; a replaced file keeps its mode.

Check the target with `check_file_target`/`check_dir_target` and get consent with
`confirm_overwrite` before the work that produces the text, so that a bad path fails
before any AWS call or drill, and nothing is asked afterwards.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Callable, Sequence
from pathlib import Path

from proxyctl.errors import UsageError

# Asks a yes/no question on the terminal; None where prompting is off.
Confirm = Callable[[str], bool] | None


def _refuse_link(path: Path, flag: str) -> None:
    raise UsageError(
        f"{flag}: {path} is a symbolic link; proxyctl does not write through links.",
        hint="Name the real path, or remove the link.",
        field=flag,
    )


def check_file_target(path: Path, flag: str) -> bool:
    """Whether the file at PATH exists; a UsageError naming FLAG when PATH is a symbolic
    link, a directory or anything but a regular file, or its directory does not exist."""
    try:
        mode: int | None = os.lstat(path).st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and stat.S_ISLNK(mode):
        _refuse_link(path, flag)
    if mode is not None and stat.S_ISDIR(mode):
        raise UsageError(
            f"{flag}: {path} is a directory; {flag} takes a file name.",
            hint=f"Name a file, e.g. {path / 'FILE'}.",
            field=flag,
        )
    if mode is not None and not stat.S_ISREG(mode):
        raise UsageError(f"{flag}: {path} is not a regular file.", field=flag)
    if not path.parent.is_dir():
        raise UsageError(
            f"{flag}: the directory {path.parent} does not exist.",
            hint="Create it, or write the file somewhere else.",
            field=flag,
        )
    return mode is not None


def check_writable(path: Path, flag: str) -> bool:
    """`check_file_target`, then a file made and removed in PATH's directory: a path that
    cannot be written is found before the work that produces the text, not after it."""
    exists = check_file_target(path, flag)
    try:
        os.unlink(_write_temp(path, "", keep_mode_of=None))  # as the write will make it
    except OSError as exc:
        raise _cannot_write(path, flag, exc) from None
    return exists


def _cannot_write(path: Path, flag: str, exc: OSError) -> UsageError:
    return UsageError(
        f"{flag}: cannot write {path}: {exc.strerror or exc}.",
        hint="Check that the directory is writable, or write somewhere else.",
        field=flag,
    )


def check_dir_target(directory: Path, flag: str, names: Sequence[str]) -> list[Path]:
    """The files among NAMES that already exist in DIRECTORY (which may not exist yet); a
    UsageError naming FLAG when DIRECTORY is a file or a symbolic link, one of the files is
    not a regular file, or a parent to be created is a file."""
    if directory.is_symlink():
        _refuse_link(directory, flag)
    for parent in (directory, *directory.parents):
        if parent.exists():
            if not parent.is_dir():
                raise UsageError(
                    f"{flag}: {parent} is a file; {flag} takes a directory.",
                    hint="Name a directory (it is created if missing).",
                    field=flag,
                )
            break
    if not directory.is_dir():
        return []
    return [directory / name for name in names if check_file_target(directory / name, flag)]


def confirm_overwrite(existing: Sequence[Path], flag: str, force: bool, confirm: Confirm) -> None:
    """Consent to replace EXISTING: --force, or yes on the terminal. A UsageError naming
    --force otherwise (prompting off, or the answer was no)."""
    if not existing or force:
        return
    names = ", ".join(str(p) for p in existing)
    verb = "exists" if len(existing) == 1 else "exist"
    if confirm is not None and confirm(f"{names} {verb}. Overwrite?"):
        return
    raise UsageError(
        f"{flag}: {names} {verb}; pass --force to overwrite.",
        hint="Or name another file; nothing was written.",
        field="--force",
    )


def write_text(path: Path, text: str, flag: str, *, overwrite: bool) -> None:
    """Write TEXT to PATH atomically (see the module's docstring); a UsageError naming FLAG
    for a bad target, an existing file without OVERWRITE, or a failed write."""
    write_files([(path, text)], flag, overwrite=overwrite)


def write_files(files: Sequence[tuple[Path, str]], flag: str, *, overwrite: bool) -> None:
    """Write each (path, text) atomically. Every text is written to its temporary file
    before any file is replaced, so a failure midway replaces none of them."""
    existed = {path: check_file_target(path, flag) for path, _ in files}
    taken = [path for path, there in existed.items() if there]
    if taken and not overwrite:
        confirm_overwrite(taken, flag, force=False, confirm=None)
    temps: list[Path] = []
    path = files[0][0]
    try:
        for path, text in files:
            temps.append(_write_temp(path, text, keep_mode_of=path if existed[path] else None))
        for temp, (path, _) in zip(temps, files, strict=True):
            _put_in_place(temp, path, overwrite, flag)
        _sync_directories({path.parent for path, _ in files})
    except OSError as exc:
        raise _cannot_write(path, flag, exc) from None
    finally:
        for temp in temps:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)


def _write_temp(path: Path, text: str, keep_mode_of: Path | None) -> Path:
    """A new file beside PATH holding TEXT, flushed to disk. O_EXCL: never an existing file
    or a link planted at the name; mode 0666, which the kernel reduces by the umask."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    while True:
        temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(temp, flags, 0o666)
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            if keep_mode_of is not None:
                os.fchmod(handle.fileno(), stat.S_IMODE(os.lstat(keep_mode_of).st_mode))
            os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    return temp


def _put_in_place(temp: Path, path: Path, overwrite: bool, flag: str) -> None:
    """Rename TEMP to PATH. os.replace replaces a link at PATH, never what it points to.
    Without OVERWRITE a hard link makes the new name, and fails if a file appeared there
    since the check."""
    if overwrite:
        os.replace(temp, path)
        return
    try:
        os.link(temp, path, follow_symlinks=False)
    except FileExistsError:
        confirm_overwrite([path], flag, force=False, confirm=None)
    except OSError:  # a file system without hard links: the check above has to do
        os.replace(temp, path)


def _sync_directories(directories: set[Path]) -> None:
    """Make the renames durable: without this a crash can bring the old file back."""
    for directory in directories:
        with contextlib.suppress(OSError):
            fd = os.open(directory, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
