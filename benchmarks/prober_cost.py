"""The failover drill's own cost: two probers, 5 probes per second each, against a local server.

Targets (issue 5): schedule jitter p99 (actual start - scheduled start) under 20 ms, and
CPU under 25% of one core. CPU is this process's CPU time over wall time while probing:
the prober's threads, psycopg, libpq and the TLS client; the server's own CPU is not
counted (another process). Both endpoints are the same local PostgreSQL over TLS
(verify-full, SCRAM), under the two names its certificate has, so a reconnect probe pays
a full TLS handshake and sign-in as it would through a proxy. Each figure is the median
of --runs runs of --seconds each, after a one-second warm-up run that is not counted.

    .venv/bin/python benchmarks/prober_cost.py [--seconds 20] [--runs 3] [--mode both]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.pg starts the server; run from anywhere

from proxyctl.db.probe import Endpoint, Mode, Prober, TokenCache  # noqa: E402
from proxyctl.model.probe import ProbeSample  # noqa: E402
from tests.pg import APP_DATABASE, APP_PASSWORD, APP_USER, HOST, start_server  # noqa: E402

RATE = 5.0  # probes per second per endpoint
JITTER_TARGET_MS = 20.0
CPU_TARGET_PCT = 25.0
LEAD = 0.05  # seconds between starting the probers and their first probe


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def one_run(endpoints: list[Endpoint], mode: Mode, seconds: float) -> dict[str, float]:
    samples: list[ProbeSample] = []
    probers = [Prober(ep, samples.append, interval=1 / RATE, mode=mode) for ep in endpoints]
    cpu, wall = time.process_time(), time.perf_counter()
    start = time.monotonic() + LEAD  # one schedule for both, after their threads are up
    for prober in probers:
        prober.start(at=start)
    time.sleep(seconds)
    for prober in probers:
        prober.stop()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    latencies = [s.latency for s in samples if s.ok and s.latency is not None]
    return {
        "probes": len(samples),
        "failed": sum(not s.ok for s in samples),
        "jitter_p99_ms": p99([s.lateness for s in samples]) * 1000,
        "jitter_max_ms": max(s.lateness for s in samples) * 1000,
        "cpu_pct": cpu / wall * 100,
        "latency_median_ms": statistics.median(latencies) * 1000 if latencies else float("nan"),
    }


def measure(endpoints: list[Endpoint], mode: Mode, seconds: float, runs: int) -> dict[str, object]:
    one_run(endpoints, mode, 1.0)  # warm-up: imports, first connections, page cache
    results = [one_run(endpoints, mode, seconds) for _ in range(runs)]
    median = {key: statistics.median(r[key] for r in results) for key in results[0]}
    return {
        "mode": mode,
        "runs": runs,
        "seconds": seconds,
        "endpoints": len(endpoints),
        "rate_per_endpoint": RATE,
        **{key: round(value, 3) for key, value in median.items()},
        "meets_jitter_target": median["jitter_p99_ms"] < JITTER_TARGET_MS,
        "meets_cpu_target": median["cpu_pct"] < CPU_TARGET_PCT,
    }


def report(r: dict[str, object]) -> str:
    def verdict(ok: object) -> str:
        return "meets" if ok else "MISSES"

    return (
        f"{r['mode']:<10} jitter p99 {r['jitter_p99_ms']:.2f} ms "
        f"(target < {JITTER_TARGET_MS:g} ms, {verdict(r['meets_jitter_target'])}; "
        f"max {r['jitter_max_ms']:.2f} ms)  "
        f"CPU {r['cpu_pct']:.1f}% of one core "
        f"(target < {CPU_TARGET_PCT:g}%, {verdict(r['meets_cpu_target'])})  "
        f"{r['probes']:g} probes, {r['failed']:g} failed, median latency "
        f"{r['latency_median_ms']:.1f} ms; median of {r['runs']} runs of {r['seconds']:g} s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="length of one run")
    parser.add_argument("--runs", type=int, default=3, help="runs per mode; the median counts")
    parser.add_argument("--mode", choices=["reconnect", "persistent", "both"], default="both")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args()
    modes: list[Mode] = ["reconnect", "persistent"] if args.mode == "both" else [args.mode]
    server = start_server(Path(tempfile.mkdtemp(prefix="proxyctl-bench-")))
    try:
        password = TokenCache(lambda: APP_PASSWORD)
        endpoints = [
            Endpoint(label, name, server.port, APP_USER, APP_DATABASE, password,
                     sslrootcert=str(server.ca_file), hostaddr=HOST)
            for label, name in (("proxy", "localhost"), ("direct", "db.test"))
        ]  # fmt: skip
        results = []
        for mode in modes:
            results.append(measure(endpoints, mode, args.seconds, args.runs))
            print(report(results[-1]), flush=True)
    finally:
        server.remove()
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
