"""--report files (JSON, Markdown, HTML) and the --max-downtime gate: the numbers a
reader sees must agree with the samples in the file."""

from __future__ import annotations

import dataclasses
import html
import json
import math
import os
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from proxyctl.drill.gate import gate
from proxyctl.drill.render.markdown import md_table
from proxyctl.drill.render.svg import COLOURS, OK_COLOUR
from proxyctl.drill.render.text import summarize
from proxyctl.drill.report import check_report_path, write_report
from proxyctl.drill.samples import DrillEvent, EventKind
from proxyctl.drill.timeline import Analysis, analyze
from proxyctl.errors import UsageError
from proxyctl.model.probe import ErrorClass, Outcome, ProbeSample
from proxyctl.output import jsonable
from tests.drill.test_timeline import _stale_dns
from tests.drill.timelines import (
    DIRECT,
    OLD,
    PROXY,
    READER,
    event,
    outage,
    probes,
    settings,
)

ENDPOINTS = [PROXY, DIRECT, READER]
SAMPLES = [
    *probes(PROXY, outage(5.0, 5.6, ErrorClass.TIMEOUT), interval=0.2, until=15),
    *probes(DIRECT, _stale_dns, interval=0.2, until=15),
    *probes(READER, lambda t: (OLD, t >= 7.0), interval=0.2, until=15),
]
EVENTS = [
    event(EventKind.START, 0.0),
    event(EventKind.TRIGGER, 4.9, "FailoverDBCluster orders-db"),
    event(EventKind.WRITER_CHANGED, 6.5, "orders-db-1 -> orders-db-2"),
    event(EventKind.SETTLED, 15.0),
]
ANALYSIS = analyze(SAMPLES, EVENTS, ENDPOINTS, interval=0.2, ended_at=15.0)


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """An empty directory for reports (tmp_path also holds the isolation fixture's dirs)."""
    path = tmp_path / "reports"
    path.mkdir()
    return path


def write(out: Path, name: str) -> str:
    path = out / name
    write_report(path, settings(ENDPOINTS), SAMPLES, EVENTS, ANALYSIS)
    assert os.listdir(out) == [name]  # no temporary file left behind
    return path.read_text(encoding="utf-8")


def _sample(data: dict[str, Any]) -> ProbeSample:
    cls = data["error_class"]
    return ProbeSample(
        **{
            **data,
            "wall_time": datetime.fromisoformat(data["wall_time"]),
            "outcome": Outcome(data["outcome"]),
            "error_class": ErrorClass(cls) if cls else None,
        }
    )


def _event(data: dict[str, Any]) -> DrillEvent:
    wall = datetime.fromisoformat(data["wall_time"])
    return DrillEvent(EventKind(data["kind"]), data["at"], wall, data["detail"])


def _expected(samples: list[dict[str, Any]]) -> dict[str, Any]:
    """An endpoint's figures worked out from the report's own samples."""
    failed = [s for s in samples if s["outcome"] == "error"]
    figures: dict[str, Any] = {
        "probes": len(samples),
        "failed": len(failed),
        "failures_by_class": dict(Counter(s["error_class"] for s in failed)),
        "read_only_probes": sum(
            s["in_recovery"] is True or s["error_class"] == "read_only" for s in samples
        ),
        "servers": Counter(
            (s["server_addr"], s["in_recovery"]) for s in samples if s["server_addr"]
        ),
        "downtime": None,
    }
    late = [s for s in samples if s["outcome"] == "error" or s["latency"] > 1.0]
    if late:
        first, last = late[0]["started_at"], late[-1]["started_at"]
        back = min(  # the answer of the first probe in time after the last one that was not
            s["started_at"] + s["latency"]
            for s in samples
            if s["outcome"] == "ok" and s["latency"] <= 1.0 and s["started_at"] > last
        )
        figures["downtime"] = back - first
    return figures


def test_json_report_has_every_sample_and_its_analysis_agrees_with_them(out: Path) -> None:
    doc = json.loads(write(out, "drill.json"))

    assert (doc["kind"], doc["schema_version"]) == ("failover-report", 2)
    assert doc["drill"]["interval"] == 0.2 and doc["drill"]["trigger"] == "aws"
    assert doc["drill"]["started"] == "2025-03-01T12:00:00Z"
    assert [e["label"] for e in doc["drill"]["endpoints"]] == ["proxy", "direct", "reader"]
    assert [e["kind"] for e in doc["events"]] == ["start", "trigger", "writer_changed", "settled"]
    assert len(doc["samples"]) == len(SAMPLES) == 225
    assert all(s["wall_time"].endswith("Z") for s in doc["samples"])
    assert doc["analysis"]["summary"] == summarize(ANALYSIS)
    assert doc["analysis"]["writer_changed_at"] == 6.5

    for found in doc["analysis"]["endpoints"]:
        mine = [s for s in doc["samples"] if s["endpoint"] == found["endpoint"]]
        expected = _expected(mine)
        assert {k: found[k] for k in ("probes", "failed", "failures_by_class")} == {
            k: expected[k] for k in ("probes", "failed", "failures_by_class")
        }
        assert found["read_only_probes"] == expected["read_only_probes"]
        servers = {(s["address"], s["in_recovery"]): s["probes"] for s in found["servers"]}
        assert servers == expected["servers"]
        assert found["downtime"] == pytest.approx(expected["downtime"])

    # Whoever re-analyses the file's samples and events gets the file's analysis.
    again = analyze(
        [_sample(s) for s in doc["samples"]],
        [_event(e) for e in doc["events"]],
        ENDPOINTS,
        interval=doc["drill"]["interval"],
        ended_at=doc["analysis"]["ended_at"],
    )
    assert {"summary": summarize(again), **jsonable(again)} == doc["analysis"]


def _md_section(text: str, heading: str) -> list[list[str]]:
    """A Markdown table's cells as a reader sees them (escapes and entities undone)."""
    block = text.split(f"## {heading}\n\n", 1)[1].split("\n\n", 1)[0]
    return [
        [html.unescape(re.sub(r"\\(.)", r"\1", c.strip())) for c in line.strip()[1:-1].split(" | ")]
        for line in block.splitlines()
    ]


def test_markdown_tables_show_the_samples_numbers(out: Path) -> None:
    text = write(out, "drill.md")
    table = _md_section(text, "Endpoints")
    assert table[0] == ["", "proxy", "direct", "reader"]
    rows = {r[0]: r[1:] for r in table[2:]}

    labels = table[0][1:]

    def count(probe_counts: Callable[[ProbeSample], bool]) -> list[str]:
        """Per endpoint column, how many of its samples pass the test."""
        return [str(sum(probe_counts(s) for s in SAMPLES if s.endpoint == e)) for e in labels]

    assert rows["Downtime"] == ["0.60 s", "4.0 s", "none"]
    assert rows["Probes"] == count(lambda s: True) == ["75", "75", "75"]
    assert rows["Failed probes"] == count(lambda s: not s.ok) == ["3", "20", "0"]
    for cls in ErrorClass:
        if any(s.error_class is cls for s in SAMPLES):
            assert rows[f"Failed: {cls}"] == count(lambda s, cls=cls: s.error_class is cls)
    assert "Failed: dns" not in rows
    assert rows["Reached a read-only server"] == ["0", "10", "40"]
    assert rows["Servers seen"] == ["2", "2", "1"]
    assert rows["Trigger to recovery"] == ["0.70 s", "4.1 s", "-"]
    assert rows["Start jitter p99 / max"] == ["0 ms / 0 ms"] * 3
    assert rows["Resolution (interval + p99)"] == ["0.20 s"] * 3
    assert rows["Slowest successful probe"] == ["4 ms"] * 3
    assert f"**{summarize(ANALYSIS)}**" in text

    servers = _md_section(text, "Servers seen")[2:]
    assert ["direct", OLD, "yes", "10", "7.0 s", "8.8 s"] in servers
    assert sum(int(r[3]) for r in servers) == sum(s.server_addr is not None for s in SAMPLES)
    events = _md_section(text, "Events")[2:]
    assert [r[2] for r in events] == ["start", "trigger", "writer_changed", "settled"]


def test_markdown_cells_cannot_break_the_table() -> None:
    text = md_table((["", "a|b"], [["Downtime", "1.0 s"]]))
    assert text.splitlines()[0] == "|  | a\\|b |"


def test_html_is_one_page_with_one_svg_cell_per_probe(out: Path) -> None:
    text = write(out, "drill.html")
    assert "<script" not in text and "src=" not in text and "href=" not in text
    svg = ET.fromstring(text[text.index("<svg") : text.index("</svg>") + 6])  # noqa: S314
    ns = "{http://www.w3.org/2000/svg}"
    cells = [r for r in svg.iter(f"{ns}rect") if r.get("class") == "probe"]
    assert len(cells) == len(SAMPLES)
    fills = Counter(c.get("fill") for c in cells)
    assert fills[OK_COLOUR] == sum(s.ok for s in SAMPLES)
    assert fills[COLOURS[ErrorClass.READ_ONLY]] == 10
    assert fills[COLOURS[ErrorClass.TIMEOUT]] == 3
    markers = [t.text for t in svg.iter(f"{ns}text") if t.text and "(" in t.text]
    assert markers == ["trigger (4.9 s)", "writer changed (6.5 s)"]
    assert summarize(ANALYSIS) in text


def test_html_escapes_what_it_shows(out: Path) -> None:
    samples = probes(PROXY, outage(1.0, 2.0), interval=0.5, until=3)
    samples = [dataclasses.replace(s, endpoint="<b>x</b>") for s in samples]
    analysis = analyze(samples, [], [], interval=0.5, ended_at=3.0)
    path = out / "x.html"
    write_report(path, settings([]), samples, [], analysis)
    text = path.read_text(encoding="utf-8")
    assert "<b>" not in text and "&lt;b&gt;x&lt;/b&gt;" in text


@pytest.mark.parametrize("name", ["drill.txt", "drill", "drill.json.gz"])
def test_another_suffix_is_a_usage_error_naming_report(out: Path, name: str) -> None:
    with pytest.raises(UsageError) as caught:
        write_report(out / name, settings(ENDPOINTS), SAMPLES, EVENTS, ANALYSIS)
    assert caught.value.field == "--report"
    assert caught.value.message.startswith("--report: cannot write a ")
    assert os.listdir(out) == []


def test_a_missing_directory_is_found_before_the_drill(out: Path) -> None:
    with pytest.raises(UsageError, match=r"^--report: the directory .* does not exist"):
        check_report_path(out / "nowhere" / "drill.md")
    assert check_report_path(out / "DRILL.HTML") == ".html"


def test_a_failed_write_keeps_the_old_report(out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = out / "drill.json"
    path.write_text("old report\n")

    def refuse(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(UsageError, match="No space left on device"):
        write_report(path, settings(ENDPOINTS), SAMPLES, EVENTS, ANALYSIS)
    assert path.read_text() == "old report\n"
    assert os.listdir(out) == ["drill.json"]


def _run(proxy_end: float, direct_end: float) -> Analysis:
    samples = [
        *probes(PROXY, outage(5.0, proxy_end), interval=0.2, until=40),
        *probes(DIRECT, outage(5.0, direct_end), interval=0.2, until=40),
    ]
    return analyze(samples, [], [PROXY, DIRECT], interval=0.2, ended_at=40.0)


def test_gate_passes_within_the_limits_and_without_limits() -> None:
    assert gate(_run(8.4, 30.0), 5.0, 30.0) == []
    assert gate(_run(math.inf, math.inf), None, None) == []


def test_gate_names_each_broken_limit() -> None:
    assert gate(_run(8.4, 30.0), 2.0, 20.0) == [
        "proxy: 3.4 s unavailable, more than --max-downtime 2.0 s",
        "direct: 25.0 s unavailable, more than --max-downtime-direct 20.0 s",
    ]


def test_gate_fails_closed_when_an_endpoint_never_recovered_or_was_not_probed() -> None:
    assert gate(_run(6.0, math.inf), 5.0, 60.0) == [
        "direct: not recovered after 35.0 s (--max-downtime-direct 60.0 s)"
    ]
    proxy_only = analyze(
        probes(PROXY, outage(5.0, 6.0), interval=0.2, until=10),
        [],
        [PROXY],
        interval=0.2,
        ended_at=10,
    )
    assert gate(proxy_only, 5.0, 30.0) == [
        "--max-downtime-direct: no direct endpoint was probed, so its downtime is unknown"
    ]


HOSTILE = "<img src=x onerror=alert(1)> [click](javascript:alert(1)) <javascript:alert(2)> *x*"


def _hostile_report(out: Path, name: str) -> str:
    """A report in which every string from outside is hostile: a label, a server
    address, an AWS message in an event."""
    samples = probes(PROXY, outage(1.0, 2.0), interval=0.5, until=3)
    samples = [dataclasses.replace(s, endpoint=HOSTILE, server_addr=HOSTILE) for s in samples]
    events = [event(EventKind.TRIGGER, 0.9, HOSTILE), event(EventKind.NOTE, 1.5, HOSTILE)]
    analysis = analyze(samples, events, [], interval=0.5, ended_at=3.0)
    path = out / name
    write_report(path, settings([]), samples, events, analysis)
    return path.read_text(encoding="utf-8")


def test_markdown_shows_outside_text_as_text(out: Path) -> None:
    from markdown_it import MarkdownIt

    text = _hostile_report(out, "x.md")
    renderer = MarkdownIt("commonmark").enable("table")
    renderer.validateLink = lambda url: True  # as permissive as the laxest viewer
    rendered = renderer.render(text)
    assert "<img" not in rendered and "<a " not in rendered and "<em>" not in rendered
    # ... and a reader sees the text as it came
    assert html.escape(HOSTILE, quote=False) in rendered
    servers = _md_section(text, "Servers seen")[2:]
    assert servers[0][:2] == [HOSTILE, HOSTILE]


def test_html_shows_outside_text_as_text(out: Path) -> None:
    text = _hostile_report(out, "x.html")
    assert "<img" not in text and "<a " not in text and "href" not in text
    assert html.escape(HOSTILE) in text
