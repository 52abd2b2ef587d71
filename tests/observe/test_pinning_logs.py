"""`proxyctl pinning --from-logs NAME` against the AWS stand-in (moto's CloudWatch Logs),
seeded with the lines a proxy writes, a line of another shape, and escape characters."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from proxyctl.aws.logs import pinned_lines
from tests.conftest import Cli, boto_client

GROUP = "/aws/rds/proxy/orders"
HEAD = (
    "2026-11-29T10:00:00.000Z [WARN] [proxyEndpoint=default] [clientConnection=3888679423] The "
    "client session was pinned to the database connection [dbConnection=529039385] for the "
    "remainder of the session. The proxy can't reuse this connection until the session ends. "
)
SETTINGS = (
    "Reason: SQL changed session settings that the proxy doesn't track. Consider moving "
    "session configuration to the proxy's initialization query."
)
SET_LINE = HEAD + SETTINGS + ' Digest: "set search_path = $1; set names $2;".'
PARSE_LINE = HEAD + "Reason: A parse message was detected."
ESCAPED_LINE = HEAD + SETTINGS + ' Digest: "select \x1b[2J nextval($1)".'
FUNCTION_LINE = HEAD + SETTINGS + ' Digest: "select refresh_totals($1)".'
UNKNOWN_LINE = "2026-11-29T10:00:01.000Z [WARN] A session was pinned \x1b]0;x\x07 for reasons."
OTHER_LINE = "2026-11-29T10:00:02.000Z [INFO] new client connection"


def seed(endpoint: str, lines: list[tuple[float, str]]) -> None:
    """LINES as (minutes ago, message) in the proxy's log group."""
    logs = boto_client(endpoint, "logs")
    logs.create_log_group(logGroupName=GROUP)
    logs.create_log_stream(logGroupName=GROUP, logStreamName="proxy-1")
    now = time.time() * 1000
    events = [{"timestamp": int(now - ago * 60_000), "message": m} for ago, m in lines]
    logs.put_log_events(
        logGroupName=GROUP,
        logStreamName="proxy-1",
        logEvents=sorted(events, key=lambda e: e["timestamp"]),
    )


@pytest.fixture
def seeded(aws: str) -> str:
    seed(
        aws,
        [
            (5, SET_LINE),
            (4, SET_LINE),
            (3, PARSE_LINE),
            (2, ESCAPED_LINE),
            (2, FUNCTION_LINE),
            (1, UNKNOWN_LINE),
            (1, OTHER_LINE),
            (90, SET_LINE),  # outside the default hour
        ],
    )
    return aws


def test_pinned_lines_are_grouped_by_rule_and_reason(cli: Cli, seeded: str) -> None:
    run = cli("--output", "json", "pinning", "--from-logs", "orders")
    assert run.exit_code == 0, run.stderr
    doc = run.json()
    assert doc["source"] == "logs" and doc["inputs"] == [GROUP]
    assert (doc["statements"], doc["pinned"], doc["unparsed"]) == (5, 5, 1)
    groups = {g["rule"]: g for g in doc["groups"]}
    assert {r: g["count"] for r, g in groups.items()} == {"set": 4, "sequence": 1}
    assert groups["set"]["places"] == 4  # two statements in each of two digests
    example = groups["set"]["examples"][0]
    assert example["text"] == "set search_path = $1"
    assert example["reason"] == SETTINGS.removeprefix("Reason: ").rstrip(".")
    assert groups["sequence"]["examples"][0]["text"] == "select \x1b[2J nextval($1)"  # JSON: exact
    reasons = {r["reason"]: r for r in doc["reasons"]}
    assert reasons["A parse message was detected"]["count"] == 1
    assert reasons[SETTINGS.removeprefix("Reason: ").rstrip(".")]["examples"][0]["text"] == (
        "select refresh_totals($1)"
    )
    assert doc["unparsed_lines"] == [UNKNOWN_LINE]
    assert {h["id"] for h in doc["driver_hints"]} == {"prepared-protocol"}
    assert doc["init_query"]["unknown"] == ["search_path"]
    since = datetime.fromisoformat(doc["since"])
    until = datetime.fromisoformat(doc["until"])
    assert timedelta(minutes=59) < until - since <= timedelta(hours=1)


def test_text_escapes_what_the_log_says(cli: Cli, seeded: str) -> None:
    run = cli("pinning", "--from-logs", "orders", "--since", "2h")
    assert run.exit_code == 0, run.stderr
    out = run.stdout
    assert "\x1b" not in out and "\x07" not in out
    assert f"Pinned sessions in {GROUP} from " in out and ": 6 logged." in out
    assert "select \\x1b[2J nextval($1)" in out
    assert "Proxy's reason: A parse message was detected: 1" in out
    assert "Log lines not understood: 1 (kept as logged, first shown)" in out
    assert "A session was pinned \\x1b]0;x\\x07 for reasons." in out
    assert "prepare_threshold=None" in out


def test_proxy_alone_reads_its_log_and_the_gate_counts_log_lines(cli: Cli, seeded: str) -> None:
    run = cli("pinning", "--proxy", "orders", "--fail-on", "pin")
    assert run.exit_code == 6
    assert "Gate --fail-on pin: FAILED." in run.stdout.splitlines()[0]


def test_a_quiet_log_passes_the_gate(cli: Cli, aws: str) -> None:
    seed(aws, [(1, OTHER_LINE), (120, SET_LINE)])
    run = cli("--output", "json", "pinning", "--from-logs", "orders", "--fail-on", "pin")
    assert run.exit_code == 0
    doc = run.json()
    assert (doc["statements"], doc["groups"], doc["passed"]) == (0, [], True)


def test_no_log_group_is_not_found(cli: Cli, aws: str) -> None:
    run = cli("pinning", "--from-logs", "orders")
    assert run.exit_code == 3
    assert run.stderr.startswith(
        f"error: no log group {GROUP}: no proxy called orders has written a log in this region."
    )
    assert "--region" in run.stderr


def test_every_page_is_read(seeded: str) -> None:
    logs: Any = boto_client(seeded, "logs")
    end = datetime.now(UTC)
    lines = pinned_lines(logs, "orders", end - timedelta(hours=3), end, page_size=2)
    assert len(lines) == 7  # every line with the phrase, the unknown one too
    assert [line.at for line in lines] == sorted(line.at for line in lines)
    assert sum(not line.understood for line in lines) == 1
