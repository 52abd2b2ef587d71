"""A view that fails never stops the drill: it is turned off and the error kept."""

from __future__ import annotations

from collections.abc import Mapping

from rich.errors import MarkupError

from proxyctl.drill.run import SafeView
from proxyctl.drill.samples import DrillEvent, EventKind
from proxyctl.model.probe import ProbeSample
from tests.drill.timelines import event, sample


class BrokenView:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def sample(self, sample: ProbeSample) -> None:
        self.calls.append("sample")

    def event(self, event: DrillEvent) -> None:
        self.calls.append("event")
        raise MarkupError("closing tag '[/oops]' doesn't match any open tag")

    def tick(self, now: float, waiting: Mapping[str, float]) -> None:
        self.calls.append("tick")

    def close(self) -> None:
        self.calls.append("close")


def test_the_first_display_error_turns_the_view_off() -> None:
    broken = BrokenView()
    view = SafeView(broken)
    view.sample(sample("proxy", 0, 0.0))
    view.event(event(EventKind.NOTE, 1.0, "[/oops]"))  # raises inside, not here
    view.tick(1.1, {})
    view.sample(sample("proxy", 1, 0.2))
    view.close()
    assert isinstance(view.error, MarkupError)
    assert broken.calls == ["sample", "event", "close"]  # closed once, then left alone
