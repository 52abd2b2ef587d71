"""The report's sections, in order: one list, read by the Markdown and the HTML
report alike, so that the two never disagree on what a report holds."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from proxyctl.drill.render import tables
from proxyctl.drill.render.text import settings_line, summarize
from proxyctl.drill.samples import DrillEvent, DrillSettings
from proxyctl.drill.timeline import Analysis
from proxyctl.model.probe import ProbeSample

TITLE = "Failover drill"


@dataclass(frozen=True)
class DrillRecord:
    """What a drill left: how it was run, every probe and event, and their analysis."""

    settings: DrillSettings
    samples: Sequence[ProbeSample]
    events: Sequence[DrillEvent]
    analysis: Analysis


@dataclass(frozen=True)
class Section:
    title: str
    table: Callable[[DrillRecord], tables.Table]


SECTIONS = (
    Section("Endpoints", lambda r: tables.endpoint_table(r.analysis)),
    Section("Drill", lambda r: tables.overall_table(r.analysis)),
    Section("Servers seen", lambda r: tables.servers_table(r.analysis)),
    Section("Events", lambda r: tables.events_table(r.events)),
    Section("Probed", lambda r: tables.endpoints_table(r.settings)),
)


def summary(record: DrillRecord) -> str:
    return summarize(record.analysis)


def how_it_ran(record: DrillRecord) -> str:
    """The line under the summary, before escaping: settings and the probe count."""
    return f"{settings_line(record.settings)}. {len(record.samples)} probes."
