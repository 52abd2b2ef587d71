"""The pinning classifier's speed, against PostgreSQL's own parser (pglast) on the same
statements in the same run.

`proxyctl.pinrules.pins(statement)` against `pglast.parse_sql(statement)` (the parse tree
as Python objects, what the tests' oracle uses), one statement per call as `pinning`
classifies pg_stat_statements entries and log digests. Target: at least as fast as
pglast (ratio at most 1.0). Also shown: pglast's `parser.parse_sql_json`, which parses in
C and returns JSON text without building Python objects: the parser alone.

Two corpora of --statements statements each (default 100,000), made from a fixed seed:
- mixed: four in five are ordinary application statements (SELECT, INSERT, UPDATE,
  DELETE with $n), one in five comes from the test corpus (every rule, every false
  friend); most are ruled out by the quick word test in pins();
- worst: every statement holds a word that makes pins() tokenize it (UPDATE ... SET,
  OFFSET, strings and comments holding SET, the rules' own statements).
The sides alternate, after a warm-up, so that a busy moment on the machine hits both;
each figure is the median of --runs.

    .venv/bin/python benchmarks/pinning_speed.py [--statements 100000] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.test_pinrules holds the corpus; run from anywhere

import pglast  # noqa: E402  (GPL: a test and benchmark tool, never imported by proxyctl)

from proxyctl.pinrules import pins  # noqa: E402
from tests.test_pinrules import CORPUS  # noqa: E402

ORDINARY = [
    "SELECT id, total, status FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT $2",
    "INSERT INTO order_lines (order_id, sku, quantity, price) VALUES ($1, $2, $3, $4) RETURNING id",
    "UPDATE customers SET last_seen = now(), visits = visits + 1 WHERE id = $1",
    "DELETE FROM carts WHERE updated_at < now() - interval '7 days'",
    "SELECT c.name, count(*) AS n FROM customers c JOIN orders o ON o.customer_id = c.id "
    "WHERE o.created_at >= $1 GROUP BY c.name HAVING count(*) > $2",
    "WITH recent AS (SELECT * FROM events WHERE at > $1) SELECT kind, count(*) FROM recent "
    "GROUP BY kind",
    "SELECT 1",
    "BEGIN",
    "COMMIT",
    "SELECT p.id, p.title FROM posts p WHERE p.tags @> ARRAY[$1]::text[] AND NOT p.hidden",
]
TOKENIZED = [
    "UPDATE accounts SET balance = balance - $1 WHERE id = $2",
    "SELECT * FROM items ORDER BY id OFFSET $1 LIMIT $2",
    "SELECT 'SET search_path = x' AS note, $1::int /* DISCARD ALL */",
    "INSERT INTO settings (name, setting) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE "
    "SET setting = excluded.setting",
]


def corpora(count: int) -> dict[str, list[str]]:
    rng = random.Random(13)  # noqa: S311 - a fixed corpus, not a secret
    rules = [sql for sql, _ in CORPUS if len(sql) < 2000]  # the 16 KB one would dominate
    mixed = [
        rng.choice(rules) if rng.random() < 0.2 else rng.choice(ORDINARY) for _ in range(count)
    ]
    worst = [rng.choice(rules + TOKENIZED) for _ in range(count)]
    return {"mixed": mixed, "worst": worst}


def classify(corpus: list[str]) -> None:
    for statement in corpus:
        pins(statement)


# try/except, not contextlib.suppress: a context manager per statement would add its own
# cost to pglast's side of the ratio.
def parse(corpus: list[str]) -> None:
    for statement in corpus:
        try:  # noqa: SIM105
            pglast.parse_sql(statement)
        except pglast.parser.ParseError:
            pass  # digests with $n where the grammar forbids it: parsed up to the error


def parse_json(corpus: list[str]) -> None:
    for statement in corpus:
        try:  # noqa: SIM105
            pglast.parser.parse_sql_json(statement)
        except pglast.parser.ParseError:
            pass


SIDES: list[tuple[str, Callable[[list[str]], None]]] = [
    ("pins()", classify),
    ("pglast.parse_sql", parse),
    ("pglast parse_sql_json", parse_json),
]


def timed(work: Callable[[list[str]], None], corpus: list[str]) -> float:
    start = time.perf_counter()
    work(corpus)
    return time.perf_counter() - start


def measure(corpus: list[str], runs: int) -> dict[str, float]:
    for _, work in SIDES:  # warm-up: caches, the regex and parser set-up
        work(corpus[:1000])
    times: dict[str, list[float]] = {name: [] for name, _ in SIDES}
    for _ in range(runs):
        for name, work in SIDES:
            times[name].append(timed(work, corpus))
    return {name: statistics.median(found) for name, found in times.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=100_000, help="statements per corpus")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each side (>= 3)")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args()
    if args.runs < 3:
        parser.error("--runs: at least 3, so that the median means something")
    results = []
    for name, corpus in corpora(args.statements).items():
        medians = measure(corpus, args.runs)
        ours, theirs = medians["pins()"], medians["pglast.parse_sql"]
        results.append(
            {
                "corpus": name,
                "statements": len(corpus),
                "runs": args.runs,
                "pins_s": round(ours, 3),
                "pglast_parse_sql_s": round(theirs, 3),
                "pglast_parse_sql_json_s": round(medians["pglast parse_sql_json"], 3),
                "ratio": round(ours / theirs, 3),
                "target_ratio": 1.0,
                "meets_target": ours <= theirs,
            }
        )
    for r in results:
        verdict = "meets" if r["meets_target"] else "MISSES"
        print(
            f"{r['corpus']:<6} {r['statements']} statements: pins() {r['pins_s']:.2f} s vs "
            f"pglast.parse_sql {r['pglast_parse_sql_s']:.2f} s, ratio {r['ratio']:.2f} "
            f"(target <= 1.0, {verdict}); parse_sql_json {r['pglast_parse_sql_json_s']:.2f} s; "
            f"median of {r['runs']}"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
