"""The machine the lab runs on: free loopback ports, files and processes.

PostgreSQL and PgBouncer refuse to run as root. As root, every server command runs as
the existing `postgres` user (`runuser`), every directory a server writes is made with
`install -d -o postgres`, and every file it reads is owned by that user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from contextlib import suppress
from pathlib import Path

from proxyctl.lab.errors import LabFailed, LabToolMissing

HOST = "127.0.0.1"
# A unix socket path must fit in sockaddr_un.sun_path (108 bytes on Linux).
_SOCKET_NAME_ROOM = len("/sock/.s.PGSQL.65535.lock") + 1
_SUN_PATH_MAX = 108


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def is_root() -> bool:
    return os.geteuid() == 0


def postgres_ids() -> tuple[int, int]:
    """(uid, gid) of the `postgres` user, which runs the servers when we are root."""
    try:
        entry = pwd.getpwnam("postgres")
    except KeyError:
        raise LabToolMissing(
            "running as root, the lab starts PostgreSQL as the `postgres` user, which does "
            "not exist",
            "`apt-get install postgresql` creates it",
        ) from None
    return entry.pw_uid, entry.pw_gid


def make_base_dir(parent: Path, name: str) -> tuple[Path, bool]:
    """A directory a server may own: `parent/name`, or a new one in /tmp if that cannot be
    (a socket path too long, or a parent the `postgres` user cannot reach when we are root).
    The flag says whether it was made in /tmp, so that its owner deletes it at the end."""
    path = parent.resolve() / name
    fits = len(str(path)) + _SOCKET_NAME_ROOM <= _SUN_PATH_MAX
    if fits and (not is_root() or _reachable_by_postgres(parent.resolve())):
        make_dir(path)
        return path, False
    temp = Path(tempfile.gettempdir())
    if is_root() and not _reachable_by_postgres(temp):  # TMPDIR may be root's own
        temp = Path("/tmp")  # noqa: S108 (world-writable, sticky: a new 0700 directory in it)
    path = Path(tempfile.mkdtemp(prefix="proxyctl-pg-", dir=temp))
    if is_root():
        os.chown(path, *postgres_ids())
    return path, True


def _reachable_by_postgres(path: Path) -> bool:
    if not path.is_dir():
        return False
    uid = postgres_ids()[0]
    for part in (path, *path.parents):
        st = part.stat()
        if not (st.st_mode & 0o001 or (st.st_uid == uid and st.st_mode & 0o100)):
            return False
    return True


def make_dir(path: Path) -> None:
    """A directory with mode 0700, owned by `postgres` when we are root (that user cannot
    create it under a root-owned parent, and must own what the server writes)."""
    if is_root():
        subprocess.run(
            ["install", "-d", "-o", "postgres", "-g", "postgres", "-m", "700", str(path)],
            check=True,
        )
    else:
        path.mkdir(mode=0o700, parents=True)


def write_file(path: Path, data: bytes, mode: int) -> None:
    """Write a file a server reads: owned by `postgres` when we are root, with `mode`."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        os.fchmod(f.fileno(), mode)
        if is_root():
            os.fchown(f.fileno(), *postgres_ids())
        f.write(data)


def clean_env() -> dict[str, str]:
    """The environment without PG* variables: PGPORT, PGDATA... from the caller's shell
    must not steer the lab's servers."""
    return {k: v for k, v in os.environ.items() if not k.startswith("PG")}


def as_postgres(cmd: list[str]) -> list[str]:
    """CMD, run as the `postgres` user when we are root."""
    return [runuser(), "-u", "postgres", "--", *cmd] if is_root() else cmd


def runuser() -> str:
    """util-linux's runuser: on PATH, else in /usr/sbin or /sbin (Debian keeps it there,
    off the PATH of a login without sbin)."""
    found = shutil.which("runuser") or shutil.which("runuser", path="/usr/sbin:/sbin")
    if found is None:
        raise LabToolMissing(
            "running as root, the lab starts PostgreSQL with runuser, which is missing",
            "Debian/Ubuntu: `apt-get install util-linux`; or run the lab as another user",
        )
    return found


def run_as_postgres(cmd: list[str], *, cwd: Path, log: Path | None = None) -> None:
    """Run CMD to its end (as `postgres` when root); LabFailed with its output and the
    tail of LOG if it fails."""
    cmd = as_postgres(cmd)
    out = subprocess.run(cmd, cwd=cwd, env=clean_env(), capture_output=True, text=True)
    if out.returncode != 0:
        raise LabFailed(
            f"{' '.join(cmd)} failed ({out.returncode}):\n{out.stdout}{out.stderr}"
            f"{log_tail(log) if log else ''}"
        )


def spawn_as_postgres(cmd: list[str]) -> subprocess.Popen[bytes]:
    """Start CMD in the background, in its own session, as `postgres` when root: the pid
    is CMD's own, so that it can be stopped by its pid."""
    uid, gid = postgres_ids() if is_root() else (None, None)
    return subprocess.Popen(
        cmd,
        env=clean_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        user=uid,
        group=gid,
        extra_groups=[] if uid is not None else None,
    )


def log_tail(log: Path, size: int = 2000) -> str:
    """The end of a server's log, to quote in an error."""
    text = log.read_text(errors="replace")[-size:] if log.exists() else "(no log)"
    return f"\n{log}:\n{text}"


def stop_pid(pid: int, timeout: float = 10) -> None:
    """SIGTERM to PID, SIGKILL if it still runs after TIMEOUT seconds; returns once it has
    ended. It need not be our child: a lab outlives the command that started it."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with suppress(ProcessLookupError):
            os.kill(pid, sig)
        deadline = time.monotonic() + timeout
        while is_running(pid):
            if time.monotonic() > deadline:
                break
            time.sleep(0.02)
        else:
            return
    raise LabFailed(f"process {pid} still runs after SIGKILL")


def is_running(pid: int) -> bool:
    """Whether PID runs. A zombie has ended (its parent, maybe PID 1, has yet to reap it);
    our own child is reaped here."""
    with suppress(ChildProcessError):
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    if not Path("/proc").is_dir():  # macOS: only whether the pid exists
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"
