"""Wall-clock time of one statement through `proxyctl connect` with an IAM token, as a
ratio against the way users do it today:

    PGPASSWORD="$(aws rds generate-db-auth-token ...)" psql -c "select 1"

Both sides sign a token (the AWS CLI from PyPI, benchmarks/.venv-awscli, on one side;
proxyctl's own signer on the other) and connect with TLS verify-full to the same local
PostgreSQL, where the user signs in by `trust`, so neither token is checked. Commands
alternate after one warm-up run each, so that a busy moment hits both sides of the
ratio; each figure is the median of --runs. Target: at most 1.0x.

Also times the parts of proxyctl's run (interpreter and CLI start-up, the
token, the connection, the statement) each in a process of its own.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.shell.trust, proxyctl.lab

VENV = ROOT / ".venv" / "bin"
AWS = ROOT / "benchmarks" / ".venv-awscli" / "bin" / "aws"
USER = "bench"
TARGET = 1.0


def environment(scratch: Path) -> dict[str, str]:
    """Fake credentials and no AWS config files: both tools sign the same way, offline."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PROXYCTL_", "PG"))}
    env.update(
        AWS_ACCESS_KEY_ID="AKIAIOSFODNN7EXAMPLE",
        AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=str(scratch / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(scratch / "credentials"),
        AWS_EC2_METADATA_DISABLED="true",
        XDG_CONFIG_HOME=str(scratch),
        XDG_STATE_HOME=str(scratch),
    )
    return env


def commands(port: int, ca_file: Path) -> tuple[list[str], list[str]]:
    ours = [str(VENV / "proxyctl"), "connect", "--host", "localhost", "--port", str(port)]
    ours += ["--ca-bundle", str(ca_file), "--user", USER, "--database", "app", "-c", "select 1"]
    token = [str(AWS), "rds", "generate-db-auth-token", "--hostname", "localhost"]
    token += ["--port", str(port), "--username", USER, "--region", "us-east-1"]
    conninfo = (
        f"host=localhost port={port} user={USER} dbname=app sslmode=verify-full "
        f"sslrootcert={ca_file}"
    )
    script = f'PGPASSWORD="$({shlex.join(token)})" psql {shlex.quote(conninfo)} -c "select 1"'
    return ours, ["bash", "-c", script]


def timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=True)
    return time.perf_counter() - start


def measure(
    runs: int, ours: list[str], anchor: list[str], env: dict[str, str]
) -> dict[str, object]:
    timed(ours, env), timed(anchor, env)  # warm-up: byte-code caches, page cache
    mine, theirs = [], []
    for _ in range(runs):
        mine.append(timed(ours, env))
        theirs.append(timed(anchor, env))
    ratio = statistics.median(mine) / statistics.median(theirs)
    return {
        "command": 'proxyctl connect -c "select 1" (IAM token, TLS)',
        "anchor": 'PGPASSWORD="$(aws rds generate-db-auth-token ...)" psql -c "select 1"',
        "runs": runs,
        "median_s": round(statistics.median(mine), 4),
        "anchor_median_s": round(statistics.median(theirs), 4),
        "ratio": round(ratio, 3),
        "target_ratio": TARGET,
        "meets_target": ratio <= TARGET,
    }


def parts(port: int, ca_file: Path, env: dict[str, str], runs: int) -> dict[str, float]:
    """Where proxyctl's time goes: each part's median over RUNS, in one process each."""
    probe = f"""
import time, sys
t0 = time.perf_counter()
from proxyctl.cli.app import app  # CLI start-up
ta = time.perf_counter()
import proxyctl.cli.connect, proxyctl.reach, proxyctl.shell.script  # the command's own
t1 = time.perf_counter()
from proxyctl.aws.signing import issue_token
issue_token(None, "us-east-1", "localhost", {port}, "{USER}", "app")
t2 = time.perf_counter()
import psycopg
t3 = time.perf_counter()
c = psycopg.connect(host="localhost", port={port}, user="{USER}", dbname="app", password="x",
    sslmode="verify-full", sslrootcert="{ca_file}", autocommit=True, prepare_threshold=None)
t4 = time.perf_counter()
c.execute("select 1").fetchone()
t5 = time.perf_counter()
print(ta - t0, t1 - ta, t2 - t1, t3 - t2, t4 - t3, t5 - t4)
"""
    names = ["cli_import", "command_import", "token", "psycopg_import", "connect_tls", "statement"]
    samples: list[list[float]] = [[] for _ in names]
    bare: list[float] = []
    for _ in range(runs):
        out = subprocess.run(
            [str(VENV / "python"), "-c", probe], env=env, capture_output=True, text=True, check=True
        ).stdout.split()
        for i, value in enumerate(out):
            samples[i].append(float(value))
        bare.append(timed([str(VENV / "python"), "-c", "pass"], env))
    found = {n: round(statistics.median(s), 4) for n, s in zip(names, samples, strict=True)}
    found["python_start"] = round(statistics.median(bare), 4)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11, help="timed runs of each command (>= 5)")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args()
    if args.runs < 5:
        parser.error("--runs: at least 5, so that the median means something")
    if not AWS.exists():
        parser.error(f"no AWS CLI at {AWS}: run bash benchmarks/run.sh, which installs it")
    from proxyctl.lab.postgres import start_server
    from tests.shell.trust import trust

    with tempfile.TemporaryDirectory(prefix="proxyctl-bench-") as scratch_dir:
        scratch = Path(scratch_dir)
        server = start_server(scratch)
        try:
            trust(server, USER)
            ca_file = Path(str(server.ca_file))  # a TLS server always has one
            env = environment(scratch)
            ours, anchor = commands(server.port, ca_file)
            result = measure(args.runs, ours, anchor, env)
            result["parts_s"] = parts(server.port, ca_file, env, args.runs)
        finally:
            server.remove()
    verdict = "meets" if result["meets_target"] else "MISSES"
    print(
        f"{result['command']}: {result['median_s']:.3f} s vs {result['anchor']}: "
        f"{result['anchor_median_s']:.3f} s; ratio {result['ratio']:.2f} "
        f"(target <= {TARGET}, {verdict}; median of {result['runs']})"
    )
    print("proxyctl's parts (median s): " + json.dumps(result["parts_s"]))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
