"""The JSON report: every sample and event, and the analysis (schema below)."""

from __future__ import annotations

import json
from typing import Any

from proxyctl.drill.render.sections import DrillRecord, summary
from proxyctl.output import jsonable

REPORT_KIND = "failover-report"
REPORT_SCHEMA_VERSION = 2


def report_json(record: DrillRecord) -> str:
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
        "drill": jsonable(record.settings),
        "events": jsonable(sorted(record.events, key=lambda e: e.at)),
        "samples": jsonable(sorted(record.samples, key=lambda s: (s.started_at, s.endpoint))),
        "analysis": {"summary": summary(record), **jsonable(record.analysis)},
    }
    return json.dumps(document, indent=2) + "\n"
