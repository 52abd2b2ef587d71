"""The README's first command, the lab tour (scripts/tour.sh), end to end as CI runs it:
every command it prints runs and succeeds, and no lab process is left."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from proxyctl.lab.system import is_running

ROOT = Path(__file__).resolve().parents[2]


def test_the_tour_runs_every_command_it_prints(tmp_path: Path) -> None:
    env = {**os.environ, "TOUR_DNS_DELAY": "3", "TMPDIR": str(tmp_path)}
    run = subprocess.run(
        ["bash", str(ROOT / "scripts" / "tour.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    shown = re.findall(r"^\$ proxyctl (\S+(?: \S+)?)", run.stdout, re.MULTILINE)
    assert [s for s in shown if not s.startswith("lab env")] == [
        *("lab up", "init --yes", "check --proxy", "token --proxy", "connect --proxy"),
        *("failover-test --proxy", "load --proxy", "status orders-proxy"),
        *("pinning --from-logs", "lab down"),
    ]
    assert "OK: postgres@orders-proxy." in run.stdout  # check, through the lab's front
    assert "expires at" in run.stdout  # token inspect
    # connect's SET pinned its session: the front logged it, and pinning read it back.
    assert "warning: 'SET search_path' pins this session" in run.stdout + run.stderr
    assert re.search(
        r"^Pinned sessions in /aws/rds/proxy/orders-proxy .*: 1 logged\.$", run.stdout, re.MULTILINE
    )
    assert re.search(r"^proxy: [\d.]+ s unavailable, direct: [\d.]+ s", run.stdout, re.MULTILINE)
    # The storm: every connection served through the proxy, on no more database connections
    # than the lab pooler allows (its pool of 20), counted at the database itself.
    served = re.search(
        r"^300 client connections served on at most (\d+) database connections \([\d.]+% "
        r"fewer\), p99 connect [\d,]+ ms; direct: 300 client connections served on at most "
        r"(\d+) database connections",
        run.stdout,
        re.MULTILINE,
    )
    assert served, run.stdout[run.stdout.find("$ proxyctl load") :][:2500]
    assert int(served[1]) <= 20  # the lab pooler's pool size
    # The front's metrics reached the stand-in, and status reads them back.
    status = run.stdout[run.stdout.find("$ proxyctl status") :][:2500]
    assert re.search(r"^  connections .*\d client connections", status, re.MULTILINE), status
    stopped = [
        int(pid) for pid in re.findall(r"^stopped .* \(pid (\d+)\)$", run.stdout, re.MULTILINE)
    ]
    assert len(stopped) == 5 and not any(is_running(pid) for pid in stopped)
    assert re.search(r"^removed .*/lab \([\d.]+ s\)$", run.stdout, re.MULTILINE)
