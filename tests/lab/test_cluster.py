"""A lab cluster fails over in-process, and stops leaving no process behind.

One cluster serves both checks: starting one costs seconds on a loaded machine.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from proxyctl.lab.cluster import Cluster, fail_over, start_cluster
from proxyctl.lab.pgbouncer import find_pgbouncer
from proxyctl.lab.system import is_running
from tests.pg import or_fail


def _write_through_bouncer(cluster: Cluster) -> str:
    """Write through PgBouncer; the port of the server that took the write."""
    conninfo = cluster.primary.conninfo(port=cluster.bouncer.port, host="localhost")
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("create table if not exists moved (n int)")
        conn.execute("insert into moved values (1)")
        row = conn.execute("select current_setting('port')").fetchone()
    assert row is not None
    return str(row[0])


def test_fail_over_moves_writes_to_the_standby_and_stop_leaves_no_process(
    pg_bindir: Path, tmp_path: Path
) -> None:
    or_fail(find_pgbouncer)
    cluster = or_fail(lambda: start_cluster(tmp_path, pg_bindir))
    try:
        old, new = cluster.primary, cluster.standby
        assert _write_through_bouncer(cluster) == str(old.port)

        fail_over(cluster)

        assert (cluster.primary, cluster.standby) == (new, old)
        assert new.psql("select pg_is_in_recovery()") == "False"
        assert _write_through_bouncer(cluster) == str(new.port)
        with (
            psycopg.connect(old.conninfo(), autocommit=True) as conn,
            pytest.raises(psycopg.errors.ReadOnlySqlTransaction),
        ):
            conn.execute("insert into moved values (2)")
        assert cluster.bouncer.process is not None
        pids = [old.postmaster_pid(), new.postmaster_pid(), cluster.bouncer.process.pid]
    finally:
        cluster.stop()

    assert [pid for pid in pids if is_running(pid)] == []
