"""Wall-clock time of whole commands, as ratios against anchors run alongside.

1. `proxyctl token --host H --user U` against `aws rds generate-db-auth-token`
   (the AWS CLI from PyPI). Target: at most 0.35x.
2. `proxyctl --help` against `python -c "import typer"`. Target: at most 1.2x.

Commands alternate, after one warm-up run each, so that a busy moment on the
machine hits both sides of a ratio; each figure is the median of --runs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv" / "bin"
AWS = ROOT / "benchmarks" / ".venv-awscli" / "bin" / "aws"
HOST = "demo.proxy-c0ffee123456.us-east-1.rds.amazonaws.com"

PAIRS = [
    (
        "token",
        [str(VENV / "proxyctl"), "token", "--host", HOST, "--user", "app"],
        "aws rds generate-db-auth-token",
        [
            str(AWS),
            "rds",
            "generate-db-auth-token",
            "--hostname",
            HOST,
            "--port",
            "5432",
            "--username",
            "app",
            "--region",
            "us-east-1",
        ],
        0.35,
    ),
    (
        "--help",
        [str(VENV / "proxyctl"), "--help"],
        'python -c "import typer"',
        [str(VENV / "python"), "-c", "import typer"],
        1.2,
    ),
]


def environment(scratch: Path) -> dict[str, str]:
    """Fake credentials and no AWS config files: both tools sign the same way."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PROXYCTL_"))}
    env.update(
        AWS_ACCESS_KEY_ID="AKIAIOSFODNN7EXAMPLE",
        AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        AWS_CONFIG_FILE=str(scratch / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(scratch / "credentials"),
        AWS_EC2_METADATA_DISABLED="true",
        XDG_CONFIG_HOME=str(scratch),
    )
    return env


def timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=True)
    return time.perf_counter() - start


def measure(runs: int, env: dict[str, str]) -> list[dict[str, object]]:
    results = []
    for name, ours, anchor_name, anchor, target in PAIRS:
        timed(ours, env), timed(anchor, env)  # warm-up: byte-code caches, page cache
        mine, theirs = [], []
        for _ in range(runs):
            mine.append(timed(ours, env))
            theirs.append(timed(anchor, env))
        ratio = statistics.median(mine) / statistics.median(theirs)
        results.append(
            {
                "command": f"proxyctl {name}",
                "anchor": anchor_name,
                "runs": runs,
                "median_s": round(statistics.median(mine), 4),
                "anchor_median_s": round(statistics.median(theirs), 4),
                "ratio": round(ratio, 3),
                "target_ratio": target,
                "meets_target": ratio <= target,
            }
        )
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11, help="timed runs of each command (>= 5)")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args()
    if args.runs < 5:
        parser.error("--runs: at least 5, so that the median means something")
    scratch = ROOT / "benchmarks" / ".scratch"
    scratch.mkdir(exist_ok=True)
    results = measure(args.runs, environment(scratch))
    for r in results:
        verdict = "meets" if r["meets_target"] else "MISSES"
        print(
            f"{r['command']:<16} {r['median_s']:.3f} s  vs {r['anchor']} "
            f"{r['anchor_median_s']:.3f} s  ratio {r['ratio']:.2f} "
            f"(target <= {r['target_ratio']}, {verdict}; median of {r['runs']})"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
