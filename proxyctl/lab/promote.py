"""What Aurora does when its cluster fails over, done to the lab's servers: fence the old
primary, promote the standby, move the pooler, and rebuild the old primary as the new
standby (`pg_basebackup -R -X stream -c fast`) so that drills can repeat. The writer
endpoint moves later, after the DNS delay (the daemon's clock).

The servers are rebuilt from the lab's record (`state.Server`): they outlive the
commands that started them.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from proxyctl.lab.cluster import start_standby
from proxyctl.lab.pgbouncer import PgBouncer
from proxyctl.lab.postgres import PgServer, find_psql
from proxyctl.lab.state import Failover, LabState, Server
from proxyctl.lab.system import HOST, write_file


def server_of(state: LabState, server: Server) -> PgServer:
    """The PgServer a recorded server is; its superuser is `postgres` (the master user)."""
    base_dir = Path(server.base_dir)
    return PgServer(
        host=HOST,
        port=server.port,
        data_dir=base_dir / "data",
        ca=None,
        ca_file=base_dir / "ca.pem",
        superuser_password=state.master_password,
        bindir=Path(state.bindir),
        base_dir=base_dir,
    )


def bouncer_of(state: LabState) -> PgBouncer:
    """The lab's PgBouncer, for its admin console (it is stopped by its pid)."""
    psql = find_psql(Path(state.bindir))
    bouncer = PgBouncer(
        state.bouncer_port, Path(state.bouncer_dir), state.bouncer_admin_password, psql
    )
    bouncer.every_database = True
    return bouncer


def promote(state: LabState, writer: str) -> Failover:
    """Make the standby (instance WRITER) the primary; the roles in STATE are swapped.
    Returns the lab's own record of when each step was done."""
    noticed = time.time()
    old, new = server_of(state, state.primary), server_of(state, state.standby)
    old.stop()  # fenced: no client reaches the old writer from now on
    fenced = time.time()
    new.promote()
    promoted = time.time()
    bouncer_of(state).point_at(new)
    moved = time.time()
    state.primary, state.standby = state.standby, state.primary
    return Failover(writer, noticed, fenced, promoted, moved)


def rebuild_standby(state: LabState) -> None:
    """The old primary (now `state.standby`, stopped) becomes a streaming standby of the
    new one, in a new directory on a new port (its old port stays dead: a stale DNS
    answer for the writer endpoint finds nothing there)."""
    old = Path(state.standby.base_dir)
    primary = server_of(state, state.primary)
    standby = start_standby(primary, Path(state.dir) / "pg")  # or /tmp, as at lab up
    write_file(standby.base_dir / "ca.pem", (old / "ca.pem").read_bytes(), 0o644)
    shutil.rmtree(old, ignore_errors=True)
    state.standby = Server(state.standby.instance, standby.port, str(standby.base_dir))
