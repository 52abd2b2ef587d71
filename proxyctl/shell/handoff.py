"""`--exec psql|pgcli`: run that client with the connection in its environment only
(never in its arguments, which any user of the machine can read in /proc). pgcli also
gets a configuration of its own: no keyring (it would keep the token), no
`use_local_timezone` (its `set time zone` pins every session behind a proxy)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from proxyctl.db.session import APPLICATION_NAME, fresh_password
from proxyctl.db.target import Target
from proxyctl.errors import UsageError

CLIENTS = ("psql", "pgcli")
HOW_TO_INSTALL = {
    "psql": "Debian/Ubuntu: apt-get install postgresql-client; macOS: brew install libpq "
    "(then add its bin directory to PATH); Amazon Linux: dnf install postgresql15.",
    "pgcli": "pipx install pgcli (or pip install pgcli).",
}
PGCLI_CONFIG = """[main]
# Written by proxyctl connect --exec pgcli: the token must not go to a keyring, and
# pgcli's `set time zone` would pin the session to one database connection.
keyring = False
use_local_timezone = False
"""


def caveats(client: str) -> str:
    return (
        f"{client} cannot cancel a statement through RDS Proxy (Ctrl-C sends a cancel "
        "request that the proxy drops: the statement runs on, and commits in autocommit), "
        "and it cannot reconnect with a fresh token: the token it is given expires in 15 "
        f"minutes, so after a lost connection run `proxyctl connect --exec {client}` again."
    )


def environment(target: Target, password: str) -> dict[str, str]:
    """The PG* variables that hand this connection over (libpq reads them)."""
    hostaddr, port = target.libpq_address()
    env = {
        "PGHOST": target.host,
        "PGPORT": str(port),
        "PGUSER": target.user,
        "PGDATABASE": target.database,
        "PGPASSWORD": password,
        "PGSSLMODE": "verify-full",
        "PGSSLROOTCERT": target.cafile,
        "PGAPPNAME": APPLICATION_NAME,
    }
    if hostaddr is not None:
        env["PGHOSTADDR"] = hostaddr
    if os.environ.get("PGTZ"):
        env["PGTZ"] = os.environ["PGTZ"]  # a startup parameter: the proxy tracks it
    return env


def find_client(client: str) -> str:
    found = shutil.which(client)
    if found is None:
        raise UsageError(
            f"--exec {client}: {client} is not installed (not on PATH).",
            hint=HOW_TO_INSTALL[client],
            field="--exec",
        )
    return found


def run(target: Target, client: str, say: Callable[[str], None]) -> int:
    """Say the caveats, then run CLIENT until it ends; its exit code."""
    program = find_client(client)
    say(f"note: {caveats(client)}")
    env = {k: v for k, v in os.environ.items() if k not in ("PGHOSTADDR", "PGSERVICE")}
    env.update(environment(target, fresh_password(target)))
    with tempfile.TemporaryDirectory(prefix="proxyctl-pgcli-") as scratch:
        argv = [program]
        if client == "pgcli":
            config = Path(scratch) / "config"
            config.write_text(PGCLI_CONFIG)
            argv += ["--single-connection", "--pgclirc", str(config)]
        # Ctrl-C belongs to the client now: it reaches it through the terminal.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            return subprocess.call(argv, env=env)  # noqa: S603 - a client found on PATH, no shell
        finally:
            signal.signal(signal.SIGINT, previous)
