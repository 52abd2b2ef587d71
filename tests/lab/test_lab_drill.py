"""A failover drill through the lab, as a user runs it: `failover-test --trigger aws`
fails the stand-in's cluster over, the lab promotes the standby, and the drill's
measurements agree with the lab's own record of the promotion. The direct endpoint is
down at least the DNS delay; the proxy rides it out in about PgBouncer's
server_login_retry (1 s). A second failover (`lab failover`) repeats the promotion."""

from __future__ import annotations

import json
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from tests.lab.lab_run import lab_env, proxyctl, recorded, running_pids

DNS_DELAY = 3.0
INTERVAL = 0.2
# Under the load of a shared 2-core machine a probe may start late and a sign-in take a
# second: the bounds below allow that much besides the probe interval.
SLACK = 1.5


def _wait_for_front(directory: Path, proxy: str) -> None:
    deadline = time.monotonic() + 15
    while proxy not in recorded(directory).fronts:
        assert time.monotonic() < deadline, f"no front for {proxy} after 15 s"
        time.sleep(0.2)


def _wall(report: dict[str, Any], at: float) -> float:
    """A drill time (seconds since its start event) as epoch seconds."""
    start = next(e for e in report["events"] if e["kind"] == "start")
    began = datetime.fromisoformat(start["wall_time"].replace("Z", "+00:00")).timestamp()
    return began + at - start["at"]


def test_a_drill_through_the_lab_matches_the_labs_record(tmp_path: Path) -> None:
    directory = tmp_path / "lab"
    up = proxyctl("lab", "up", "--dir", str(directory), "--dns-delay", str(DNS_DELAY))
    assert up.returncode == 0, up.stderr
    try:
        env = lab_env(directory)
        init = proxyctl("init", "--yes", env=env)
        assert init.returncode == 0, init.stderr
        _wait_for_front(directory, "orders-proxy")
        _drill_and_compare(directory, env, tmp_path / "drill.json")
        _fail_over_again(directory)
    finally:
        pids = recorded(directory).pids()
        assert proxyctl("lab", "down", "--dir", str(directory)).returncode == 0
        assert running_pids(pids) == {}


def _drill_and_compare(directory: Path, env: dict[str, str], report_file: Path) -> None:
    args = ["failover-test", "--proxy", "orders-proxy", "--user", "postgres", "--trigger", "aws"]
    args += ["--yes", "--interval", str(INTERVAL), "--baseline", "2", "--settle", "3"]
    drill = proxyctl(*args, "--report", str(report_file), env=env)
    assert drill.returncode == 0, drill.stdout + drill.stderr
    report = json.loads(report_file.read_text())
    found = {e["endpoint"]: e for e in report["analysis"]["endpoints"]}
    proxy, direct = found["proxy"], found["direct"]
    promotion = recorded(directory).failovers[-1]
    assert promotion.writer == "orders-2"
    assert promotion.writer_endpoint_moved is not None and promotion.rebuilt is not None

    # The proxy was down only while the lab promoted: from the fence to the pooler on the
    # new writer, plus PgBouncer's server_login_retry (1 s).
    assert proxy["recovered"] and proxy["downtime"] > 0
    outage = (_wall(report, proxy["first_failure_at"]), _wall(report, proxy["recovered_at"]))
    assert promotion.noticed - INTERVAL - SLACK <= outage[0] <= promotion.pooler_moved + SLACK
    assert outage[1] <= promotion.pooler_moved + 1.0 + INTERVAL + SLACK
    assert proxy["downtime"] <= promotion.pooler_moved - promotion.fenced + 1.0 + INTERVAL + SLACK

    # The direct endpoint led to the fenced writer until the DNS delay had passed.
    assert direct["recovered"] and direct["downtime"] >= DNS_DELAY
    assert _wall(report, direct["recovered_at"]) >= promotion.writer_endpoint_moved - INTERVAL
    assert direct["downtime"] > proxy["downtime"]


def _fail_over_again(directory: Path) -> None:
    """The old primary was rebuilt as the standby: the cluster fails over back to it."""
    again = proxyctl("lab", "failover", "--dir", str(directory))
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("orders-1 is the writer: promoted and PgBouncer moved ")
    state = recorded(directory)
    assert (state.primary.instance, state.standby.instance) == ("orders-1", "orders-2")
    deadline = time.monotonic() + 30
    while proxyctl("lab", "status", "--dir", str(directory)).returncode != 0:
        assert time.monotonic() < deadline, "the lab is not healthy 30 s after a failover"
        time.sleep(0.5)
    assert len(recorded(directory).failovers) == 2
