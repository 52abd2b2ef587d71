"""One run of the data-plane phases (db.phases, db.query): what it is given, what it
found, and how each phase is timed and handed on."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from proxyctl.db import tls
from proxyctl.db.target import Target
from proxyctl.model.findings import Finding, skip


@dataclass
class Phases:
    """One run of the phases against a Target: its bounds, what it found, and the caller's
    reading of a TLS handshake and of a sign-in error (code and hint)."""

    target: Target
    read_tls: Callable[[tls.Handshake], list[Finding]]
    explain: Callable[[str], tuple[str, str]]
    timeout: float = 5.0
    samples: int = 10
    findings: list[Finding] = field(default_factory=list)
    # Called with each phase's findings as the phase ends (the text output shows them then).
    on_phase: Callable[[list[Finding]], None] | None = None


@contextmanager
def timed(t: Phases, phase: str) -> Iterator[list[Finding]]:
    """Collect the phase's findings, stamp the first with the phase's duration, and hand
    them on as the phase ends; on Ctrl-C, say that the phase was interrupted."""
    found: list[Finding] = []
    start = time.perf_counter()
    try:
        yield found
    except KeyboardInterrupt:
        found.append(skip(f"{phase}.interrupted", phase, "interrupted (Ctrl-C) before it ended."))
        raise
    finally:
        if found:
            found[0].duration_ms = round((time.perf_counter() - start) * 1000, 1)
            t.findings.extend(found)
            if t.on_phase is not None:
                t.on_phase(found)
