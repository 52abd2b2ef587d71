"""`proxyctl failover-test` through a proxy while a standby is promoted (issue 5, Tests 2).

PgBouncer stands in for the proxy: the probes' "proxy" endpoint is PgBouncer, in front of
a primary with a streaming standby (tests/standby.py). The trigger script makes the
primary read-only for writers, promotes the standby after a hold, and moves PgBouncer to
it (PAUSE, new target port, RELOAD, RESUME). The old primary is probed directly as an
extra endpoint, `old`. Every probe writes a heartbeat row (`--write`), so what is measured
is when writes are accepted again.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from tests import pg
from tests.conftest import Cli
from tests.standby import Cluster, promotion_command

pytest_plugins = ["tests.standby"]

INTERVAL = 0.1
TOLERANCE = INTERVAL + 0.1  # the issue's: the probe interval plus 100 ms
# The primary stays read-only this long before the standby is promoted, as a real cluster
# takes seconds to notice and promote. Without it the whole outage (~0.2 s) would be no
# longer than TOLERANCE, and a downtime of zero would pass the comparison as well.
HOLD = 1.0
# The drill ends at --timeout, never "settled": `old` is the demoted primary, and its
# writes keep failing with 25006 for good, so not every endpoint is ever healthy again.
TIMEOUT = 5.0


def _epoch(wall_time: str) -> float:
    return datetime.fromisoformat(wall_time).timestamp()


def _mark(marks: Path, name: str) -> float:
    path = marks.with_name(f"{marks.name}.{name}")
    log = marks.with_name(f"{marks.name}.log")
    assert path.exists(), f"the trigger script did not get to {name}:\n{log.read_text()}"
    return float(path.read_text())


def _proxy_heartbeats(server: pg.PgServer) -> set[int]:
    """The `seq` of every heartbeat row that the proxy endpoint's probes wrote on SERVER."""
    rows = server.psql("select seq from proxyctl_heartbeat where endpoint = 'proxy'", "app")
    return {int(seq) for seq in rows.split()}


def _expected_analysis(samples: list[dict[str, Any]], ended_at: float) -> dict[str, Any]:
    """An endpoint's figures recomputed from its samples (no failures before the trigger):
    down from the first probe that failed or answered after the 1 s stall threshold to
    the answer of the first probe in time after the last such one."""
    failed = [s for s in samples if s["outcome"] != "ok"]
    late = [s for s in samples if s["outcome"] != "ok" or s["latency"] > 1.0]
    first, last = late[0]["started_at"], late[-1]["started_at"]
    recovered_at = next(
        (
            s["started_at"] + s["latency"]
            for s in samples
            if s["outcome"] == "ok" and s["latency"] <= 1.0 and s["started_at"] > last
        ),
        None,
    )
    classes: dict[str, int] = {}
    for s in failed:
        classes[s["error_class"]] = classes.get(s["error_class"], 0) + 1
    return {
        "probes": len(samples),
        "failed": len(failed),
        "failed_before_trigger": 0,
        "first_failure_at": first,
        "last_failure_at": last,
        "recovered_at": recovered_at,
        "recovered": recovered_at is not None,
        "downtime": round((ended_at if recovered_at is None else recovered_at) - first, 6),
        "failures_by_class": classes,
        "read_only_probes": sum(
            1 for s in samples if s["in_recovery"] is True or s["error_class"] == "read_only"
        ),
        "slowest_ok": max(s["latency"] for s in samples if s["outcome"] == "ok"),
    }


def test_promotion_behind_pgbouncer_is_measured_against_the_recorded_outage(
    cli: Cli, promotion_cluster: Cluster, tmp_path: Path
) -> None:
    cluster = promotion_cluster
    marks = tmp_path / "outage"
    report = tmp_path / "drill.json"
    run = cli(
        *("--output", "json", "failover-test"),
        *("--host", "localhost", "--port", str(cluster.bouncer.port)),
        *("--user", "app", "--database", "app", "--auth", "password"),
        *("--ca-bundle", str(cluster.ca_file)),
        *("--writer-endpoint", f"old=localhost:{cluster.primary.port}"),
        *("--write", "--interval", str(INTERVAL), "--probe-timeout", "1"),
        *("--baseline", "1", "--settle", "1", "--timeout", str(TIMEOUT)),
        *("--trigger", "command"),
        *("--trigger-command", promotion_command(cluster, marks, hold=HOLD)),
        *("--report", str(report), "--max-downtime", "30", "--yes"),
        env={"PGPASSWORD": pg.APP_PASSWORD},
    )
    assert run.exit_code == 0, run.stderr
    assert run.json()["ended"] == "timeout"  # see TIMEOUT
    start, paused, end = (_mark(marks, name) for name in ("start", "paused", "end"))
    window = end - start
    doc = json.loads(report.read_text())
    analysis = doc["analysis"]
    proxy, old = analysis["endpoints"]
    assert (proxy["endpoint"], old["endpoint"]) == ("proxy", "old")
    samples = {
        label: [s for s in doc["samples"] if s["endpoint"] == label] for label in ("proxy", "old")
    }

    # The proxy's downtime is the recorded outage. Writes through PgBouncer fail (25006,
    # the read-only primary) from the script's start until its PAUSE; probes that begin
    # after the PAUSE wait for the RESUME and then succeed on the new primary. That wait
    # (`end - paused`, about 30 ms here) is latency, not downtime, so the measured
    # downtime falls short of the window by about that much, well within TOLERANCE.
    assert proxy["recovered"] is True and proxy["downtime"] is not None
    assert abs(proxy["downtime"] - window) <= TOLERANCE, (proxy["downtime"], window)
    assert proxy["failures_by_class"] == {"read_only": proxy["failed"]}
    recovery = next(
        s
        for s in samples["proxy"]
        if s["latency"] is not None
        and abs(s["started_at"] + s["latency"] - proxy["recovered_at"]) < 1e-6
    )
    # Its write was accepted, so the new primary answered it: after the switch began.
    assert _epoch(recovery["wall_time"]) + recovery["latency"] >= paused

    # Both servers were seen through the proxy endpoint. inet_server_addr() is 127.0.0.1
    # for both and neither was in recovery when probed, so the report's "servers" cannot
    # tell them apart: the heartbeat rows can. The old primary holds the proxy's writes
    # from before the outage; the new one also holds those from after it, and the
    # accepted writes are exactly the rows found on the two.
    on_old = _proxy_heartbeats(cluster.primary)
    only_on_new = _proxy_heartbeats(cluster.standby) - on_old
    ok_seqs = {s["seq"] for s in samples["proxy"] if s["outcome"] == "ok"}
    failed_seqs = {s["seq"] for s in samples["proxy"] if s["outcome"] != "ok"}
    assert on_old and only_on_new and failed_seqs
    assert max(on_old) < min(failed_seqs) <= max(failed_seqs) < min(only_on_new)
    assert ok_seqs == on_old | only_on_new
    assert cluster.standby.psql("select pg_is_in_recovery()") == "False"

    # `old` (the demoted primary, probed directly): its writes are refused with 25006
    # from the read-only switch on (a probe interval allowed for the reload to reach
    # every backend), and they are classified read_only. Those answered before the
    # script began were all accepted; a probe that straddles the switch may go either way.
    trigger_at = analysis["trigger_at"]
    read_only = _mark(marks, "read_only")
    before = [
        s
        for s in samples["old"]
        if s["latency"] is not None and _epoch(s["wall_time"]) + s["latency"] < start
    ]
    after = [s for s in samples["old"] if _epoch(s["wall_time"]) >= read_only + INTERVAL]
    assert before and all(s["outcome"] == "ok" for s in before), [
        (s["seq"], s["outcome"], s["error_class"], s["sqlstate"]) for s in before
    ]
    assert len(after) >= (TIMEOUT - trigger_at - HOLD) / INTERVAL
    assert {(s["error_class"], s["sqlstate"]) for s in after} == {("read_only", "25006")}
    assert old["recovered"] is False and old["read_only_probes"] >= len(after)

    # The report's numbers agree with its samples.
    assert [e["kind"] for e in doc["events"]].count("trigger") == 1
    assert sorted(s["started_at"] for s in doc["samples"]) == [
        s["started_at"] for s in doc["samples"]
    ]
    for figures in (proxy, old):
        expected = _expected_analysis(samples[figures["endpoint"]], analysis["ended_at"])
        assert {key: figures[key] for key in expected} == expected, figures["endpoint"]
