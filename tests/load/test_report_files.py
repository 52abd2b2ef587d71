"""The Markdown and HTML reports: the figures, the pictures, and outside text escaped."""

from __future__ import annotations

from pathlib import Path

import pytest

from proxyctl.lab.postgres import PgServer
from proxyctl.load.measure import histogram
from tests.conftest import Cli
from tests.load.conftest import options

LABEL = "<img src:x>*x*"  # no "=": that ends the label


@pytest.mark.parametrize("suffix", [".md", ".html"])
def test_the_report_escapes_outside_text(
    cli: Cli, small_db: PgServer, tmp_path: Path, suffix: str
) -> None:
    report = tmp_path / f"load{suffix}"
    run = cli(
        "load", *options(small_db.port, small_db.ca_file), "--duration", "1s", "--clients", "2",
        "--endpoint", f"{LABEL}=localhost:{small_db.port}", "--report", str(report),
    )  # fmt: skip
    assert run.exit_code == 0, run.stderr
    text = report.read_text()
    assert "<img" not in text
    assert "&lt;img src:x&gt;" in text
    if suffix == ".md":
        assert "&lt;img src:x&gt;\\*x\\*" in text
        assert "| endpoint | where | attempted |" in text
    else:
        assert text.count("<svg") == 3  # connections over time, a histogram per endpoint
        assert "<polyline" in text and "<rect" in text


def test_histogram_buckets_hold_every_value() -> None:
    bins = histogram([0.01, 0.02, 0.1, 0.1], bins=10)
    assert sum(b["count"] for b in bins) == 4
    assert bins[-1] == {"up_to_ms": 100.0, "count": 2}
    assert histogram([]) == []
