"""`--report FILE`: the drill written down, as JSON, Markdown or HTML (by suffix), and
the `--max-downtime` gate.

Files are written atomically (a temporary file in the same directory, then a
rename), so a reader never sees half a report, also after Ctrl-C.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from proxyctl.drill import tables
from proxyctl.drill.samples import DrillEvent, DrillSettings, EndpointKind
from proxyctl.drill.timeline import Analysis, fmt_seconds
from proxyctl.errors import UsageError
from proxyctl.model.probe import ProbeSample
from proxyctl.output import iso, jsonable

REPORT_KIND = "failover-report"
REPORT_SCHEMA_VERSION = 2
FORMATS = (".json", ".md", ".html")

Renderer = Callable[[DrillSettings, Sequence[ProbeSample], Sequence[DrillEvent], Analysis], str]


def check_report_path(path: Path) -> str:
    """The report's format ('.json', '.md', '.html'); a UsageError naming --report for
    any other suffix or a missing directory. Call it before the drill starts."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise UsageError(
            f"--report: cannot write a {suffix or 'suffix-less'} file ({path}).",
            hint="Name the report file .json (every sample), .md (tables) or .html (a picture).",
            field="--report",
        )
    from proxyctl.files import check_writable

    check_writable(path, "--report")
    return suffix


def report_json(
    settings: DrillSettings,
    samples: Sequence[ProbeSample],
    events: Sequence[DrillEvent],
    analysis: Analysis,
) -> str:
    """The JSON report, schema version 2. Durations and `*_at` moments are seconds
    (numbers); `*_at` count from `drill.started`, when probing began, on the monotonic
    clock; `wall_time` and `started` are ISO-8601 UTC. Absent values are null.

    {"kind": "failover-report", "schema_version": 2,
     "drill": {"trigger": "aws"|"none"|"command", "mode": "reconnect"|"persistent",
               "interval", "probe_timeout", "baseline", "settle", "timeout",
               "started", "endpoints": [{"label", "kind": "proxy"|"direct"|"extra",
               "host", "port", "expects_writer"}], "cluster", "proxy", "region",
               "target_instance", "write", "heartbeat_table", "stall"},
     "events": [{"kind": "start"|"trigger"|"trigger_failed"|"trigger_exited"
                 |"writer_changed"|"settled"|"timeout"|"interrupted"|"note",
                 "at", "wall_time", "detail"}],
     "samples": [{"endpoint", "seq", "scheduled_at", "started_at", "wall_time",
                  "latency" (null: never finished), "outcome": "ok"|"error",
                  "error_class": null|"refused"|"timeout"|"dns"|"tls"|"auth"
                  |"admin_shutdown"|"read_only"|"other", "sqlstate", "message",
                  "server_addr", "in_recovery"}],     (every sample, in start order)
     "analysis": {"summary", "interval", "stall_threshold", "ended_at",
                  "end_reason": null|"settled"|"timeout"|"interrupted",
                  "trigger_at", "writer_changed_at", "writer_change_after_trigger",
                  "trigger_exit_status": null|int,
                  "endpoints": [{"endpoint", "kind", "probes", "failed", "stalled",
                    "longest_stall", "failed_before_trigger", "first_failure_at",
                    "last_failure_at", "recovered_at", "recovered", "downtime",
                    "trigger_to_recovery", "failures_by_class": {class: count},
                    "read_only_probes", "slowest_ok", "servers": [{"address",
                    "in_recovery", "probes", "first_at", "last_at"}], "resolution":
                    {"interval", "jitter_p99", "jitter_max", "seconds",
                    "stall_threshold"}}]}}

    A probe answered in time when it succeeded within `stall_threshold` seconds
    (--stall). `stalled` counts the probes that succeeded later than that (a client
    waited), `longest_stall` is the longest such wait; `failed` counts failed probes.
    `downtime`: from the start of the first probe that did not answer in time
    (`first_failure_at`; `last_failure_at` is the start of the last one) to
    `recovered_at`, the answer of the first probe in time after it; when `recovered`
    is false it runs to `ended_at` and is a lower bound. Failures over before the
    trigger are in `failed` and `failed_before_trigger`, not in `downtime`.
    `trigger_exit_status`: --trigger-command's exit status (negative: killed by that
    signal); null when it did not end before the drill did, or for other triggers.
    Adding keys keeps schema_version; renaming or removing a key, or changing a
    meaning, raises it. Version 2: `downtime` and `recovered_at` count stalls and end
    at an answer (version 1: failures only, ending at a probe's start); added
    `stalled`, `longest_stall`, `stall_threshold`, `trigger_exit_status`,
    `drill.stall` and the `trigger_exited` event.
    """
    document: dict[str, Any] = {
        "kind": REPORT_KIND,
        "schema_version": REPORT_SCHEMA_VERSION,
        "drill": jsonable(settings),
        "events": jsonable(sorted(events, key=lambda e: e.at)),
        "samples": jsonable(sorted(samples, key=lambda s: (s.started_at, s.endpoint))),
        "analysis": {"summary": analysis.summary(), **jsonable(analysis)},
    }
    return json.dumps(document, indent=2) + "\n"


# Enough for text inside a line (table cells, the summary): links and images (no link
# without an unescaped `[`), emphasis, code spans, strike-through and pipes; `<` and `&`
# become entities (raw HTML, autolinks).
_MD_PUNCTUATION = re.compile(r"([\\`*_\[\]|~])")


def _md_cell(text: str) -> str:
    """TEXT as literal Markdown: HTML as entities, Markdown punctuation (links, emphasis,
    table pipes) backslash-escaped, on one line. Server and AWS strings pass here."""
    html = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_PUNCTUATION.sub(r"\\\1", html).replace("\r", " ").replace("\n", " ")


def md_table(table: tables.Table) -> str:
    header, rows = table
    lines = [header, ["---"] * len(header), *rows]
    return "\n".join("| " + " | ".join(_md_cell(c) for c in line) + " |" for line in lines)


def settings_line(settings: DrillSettings) -> str:
    parts = [f"started {iso(settings.started)}", f"trigger {settings.trigger}"]
    if settings.cluster:
        parts.append(f"cluster {settings.cluster}")
    parts += [
        f"mode {settings.mode}" + (" with writes" if settings.write else ""),
        f"interval {fmt_seconds(settings.interval)}",
        f"probe timeout {fmt_seconds(settings.probe_timeout)}",
        f"settle {fmt_seconds(settings.settle)}",
        f"timeout {fmt_seconds(settings.timeout)}",
    ]
    return ", ".join(parts)


def endpoints_table(settings: DrillSettings) -> tables.Table:
    rows = [
        [e.label, str(e.kind), f"{e.host}:{e.port}", "yes" if e.expects_writer else "no"]
        for e in settings.endpoints
    ]
    return ["Endpoint", "Kind", "Address", "Expects the writer"], rows


def report_markdown(
    settings: DrillSettings,
    samples: Sequence[ProbeSample],
    events: Sequence[DrillEvent],
    analysis: Analysis,
) -> str:
    sections = [
        "# Failover drill",
        f"**{_md_cell(analysis.summary())}**",
        _md_cell(settings_line(settings))
        + f'. {len(samples)} probes. Moments ("at") are seconds since probing began.',
        "## Endpoints",
        md_table(tables.endpoint_table(analysis)),
        "## Drill",
        md_table(tables.overall_table(analysis)),
        "## Servers seen",
        md_table(tables.servers_table(analysis)),
        "## Events",
        md_table(tables.events_table(events)),
        "## Probed",
        md_table(endpoints_table(settings)),
    ]
    return "\n\n".join(sections) + "\n"


def write_atomically(path: Path, text: str) -> None:
    # failover-test asked before the drill whether an existing report may be replaced.
    from proxyctl.files import write_text

    write_text(path, text, "--report", overwrite=True)


def write_report(
    path: Path,
    settings: DrillSettings,
    samples: Sequence[ProbeSample],
    events: Sequence[DrillEvent],
    analysis: Analysis,
) -> None:
    """Write the report in the format the suffix names."""
    from proxyctl.drill.report_html import report_html

    renderers: dict[str, Renderer] = {
        ".json": report_json,
        ".md": report_markdown,
        ".html": report_html,
    }
    render = renderers[check_report_path(path)]
    try:
        write_atomically(path, render(settings, samples, events, analysis))
    except OSError as exc:
        raise UsageError(
            f"--report: cannot write {path}: {exc.strerror}.",
            hint="Check that the directory is writable, or write the report elsewhere.",
            field="--report",
        ) from None


NO_FAILOVER = (
    "no failover observed: no endpoint failed or stalled and the writer did not change"
    " (--allow-no-failover passes such a drill)"
)


def gate(
    analysis: Analysis,
    max_downtime: float | None,
    max_downtime_direct: float | None,
    allow_no_failover: bool = False,
) -> list[str]:
    """The limits the drill broke, one sentence each; empty when it passed. An endpoint
    that was not probed, or never recovered, breaks its limit, and so does a drill in
    which nothing happened, unless allowed (the gate fails closed)."""
    broken: list[str] = []
    if max_downtime is None and max_downtime_direct is None:
        return broken
    if not analysis.failover_seen and not allow_no_failover:
        broken.append(NO_FAILOVER)
    limits = (
        (EndpointKind.PROXY, max_downtime, "--max-downtime"),
        (EndpointKind.DIRECT, max_downtime_direct, "--max-downtime-direct"),
    )
    for kind, limit, flag in limits:
        if limit is None:
            continue
        found = analysis.first_of(kind)
        if found is None or found.probes == 0:
            broken.append(f"{flag}: no {kind} endpoint was probed, so its downtime is unknown")
        elif not found.recovered and found.downtime is not None:
            broken.append(
                f"{found.endpoint}: not recovered after {fmt_seconds(found.downtime)}"
                f" ({flag} {fmt_seconds(limit)})"
            )
        elif found.downtime is not None and found.downtime > limit:
            broken.append(
                f"{found.endpoint}: {fmt_seconds(found.downtime)} unavailable,"
                f" more than {flag} {fmt_seconds(limit)}"
            )
    return broken
