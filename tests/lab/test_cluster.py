"""A lab cluster fails over in-process, and stops leaving no process behind."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from proxyctl.lab.cluster import Cluster, fail_over, start_cluster
from proxyctl.lab.system import is_running
from tests.pg import or_fail

pytest_plugins = ["tests.standby"]


def _through_bouncer(cluster: Cluster) -> str:
    conninfo = cluster.primary.conninfo(port=cluster.bouncer.port, host="localhost")
    with psycopg.connect(conninfo, autocommit=True) as conn:
        row = conn.execute("select pg_is_in_recovery(), current_setting('port')").fetchone()
        conn.execute("create table if not exists moved (n int)")
        conn.execute("insert into moved values (1)")
    assert row is not None and row[0] is False
    return str(row[1])


def test_fail_over_promotes_the_standby_and_moves_pgbouncer(promotion_cluster: Cluster) -> None:
    old, new = promotion_cluster.primary, promotion_cluster.standby
    assert _through_bouncer(promotion_cluster) == str(old.port)

    fail_over(promotion_cluster)

    assert (promotion_cluster.primary, promotion_cluster.standby) == (new, old)
    assert new.psql("select pg_is_in_recovery()") == "False"
    assert _through_bouncer(promotion_cluster) == str(new.port)
    with (
        psycopg.connect(old.conninfo(), autocommit=True) as conn,
        pytest.raises(psycopg.errors.ReadOnlySqlTransaction),
    ):
        conn.execute("insert into moved values (2)")


def test_stop_leaves_no_process(pg_bindir: Path, tmp_path: Path) -> None:
    cluster = or_fail(lambda: start_cluster(tmp_path, pg_bindir))
    assert cluster.bouncer.process is not None
    pids = [cluster.primary.postmaster_pid(), cluster.standby.postmaster_pid()]
    pids.append(cluster.bouncer.process.pid)

    cluster.stop()

    assert [pid for pid in pids if is_running(pid)] == []
