"""`proxyctl load` against `pgbench -C -S`: new TLS+SCRAM connections per second and CPU
per connection, with the same server, the same client count and the same statement.

pgbench's -S transaction (`SELECT abalance FROM pgbench_accounts WHERE aid = :aid`) with
-C opens a connection per transaction; proxyctl runs in lambda mode with that statement
for a fixed aid. Both sign in as `app` (SCRAM) with sslmode=verify-full to a local
server started here. Runs alternate, so a busy moment hits both sides; each figure is
the median of --runs. CPU: each program's own (RUSAGE_CHILDREN around its process; for
proxyctl that includes Python's and the CLI's start-up). Target: connections/s within
1.2x of pgbench (1.0x the goal).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SQL = "select abalance from pgbench_accounts where aid = 1"


def _child_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def pgbench(
    bindir: Path, env: dict[str, str], port: int, clients: int, seconds: int
) -> tuple[float, float]:
    """(connections per second, CPU seconds per connection) of one pgbench -C -S run."""
    before = _child_cpu()
    out = subprocess.run(
        [str(bindir / "pgbench"), "-C", "-S", "-n", "-c", str(clients), "-j", str(clients),
         "-T", str(seconds), "-h", "localhost", "-p", str(port), "-U", "app", "app"],
        env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    cpu = _child_cpu() - before
    done = int(re.search(r"number of transactions actually processed: (\d+)", out).group(1))  # type: ignore[union-attr]
    return done / seconds, cpu / max(1, done)


def proxyctl(
    env: dict[str, str], port: int, ca: str, clients: int, seconds: int
) -> tuple[float, float]:
    before = _child_cpu()
    out = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "-m", "proxyctl", "--output", "json", "load",
         "--host", "localhost", "--port", str(port), "--ca-bundle", ca, "--user", "app",
         "--database", "app", "--auth", "password", "--clients", str(clients),
         "--duration", f"{seconds}s", "--sql", SQL],
        env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    cpu = _child_cpu() - before
    endpoint = json.loads(out)["endpoints"][0]
    if endpoint["failed"]:  # a failed connection would make the rate meaningless
        raise SystemExit(f"proxyctl load failed: {endpoint['first_error']}")
    return endpoint["connections_per_second"], cpu / max(1, endpoint["client_connections"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=10)
    a = parser.parse_args()
    from proxyctl.lab.postgres import find_bindir, start_server

    bindir = find_bindir()
    server = start_server(Path(tempfile.mkdtemp(prefix="load-bench-")), bindir=bindir)
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "PROXYCTL_"))}
        env |= {"PGPASSWORD": "app-password", "PGSSLMODE": "verify-full",
                "PGSSLROOTCERT": str(server.ca_file)}  # fmt: skip
        subprocess.run([str(bindir / "pgbench"), "-i", "-s", "1", "-q", "-h", "localhost",
                        "-p", str(server.port), "-U", "app", "app"],
                       env=env, capture_output=True, check=True)  # fmt: skip
        ours, theirs = [], []
        for _ in range(a.runs):
            theirs.append(pgbench(bindir, env, server.port, a.clients, a.seconds))
            ours.append(proxyctl(env, server.port, str(server.ca_file), a.clients, a.seconds))
        rate = statistics.median(r for r, _ in ours), statistics.median(r for r, _ in theirs)
        cpu = statistics.median(c for _, c in ours), statistics.median(c for _, c in theirs)
        print(f"{a.clients} clients, {a.seconds} s, median of {a.runs} alternating runs")
        ratio = rate[0] / rate[1]
        print(f"connections/s: proxyctl load {rate[0]:.1f}, pgbench -C -S {rate[1]:.1f} "
              f"(proxyctl at {ratio:.2f}x of pgbench; target at least 1/1.2)")  # fmt: skip
        print(
            f"CPU per connection: proxyctl {cpu[0] * 1000:.1f} ms, pgbench {cpu[1] * 1000:.1f} ms"
        )
    finally:
        server.remove()


if __name__ == "__main__":
    main()
