"""Views for running a drill in tests: one that records what it was shown."""

from __future__ import annotations

from collections.abc import Mapping

from proxyctl.drill.samples import DrillEvent
from proxyctl.model.probe import ProbeSample


class RecordingView:
    def __init__(self) -> None:
        self.samples: list[ProbeSample] = []
        self.events: list[DrillEvent] = []
        self.waiting: list[dict[str, float]] = []
        self.closed = False

    def sample(self, sample: ProbeSample) -> None:
        self.samples.append(sample)

    def event(self, event: DrillEvent) -> None:
        self.events.append(event)

    def tick(self, now: float, waiting: Mapping[str, float]) -> None:
        self.waiting.append(dict(waiting))

    def close(self) -> None:
        self.closed = True
