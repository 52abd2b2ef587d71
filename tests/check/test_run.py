"""check.run called as a function: a Target in, phases shown through a View, the outcome raised."""

from __future__ import annotations

import pytest

from proxyctl.app import App
from proxyctl.check.findings import Finding, Report
from proxyctl.check.run import CheckOptions, run
from proxyctl.config import Settings
from proxyctl.db.target import Target
from proxyctl.errors import CheckFailed, ExitCode
from tests import pg


class Recorder:
    """A View that keeps what it was shown."""

    def __init__(self) -> None:
        self.phases: list[list[str]] = []
        self.finished: Report | None = None

    def phase(self, found: list[Finding]) -> None:
        self.phases.append([f.code for f in found])

    def finish(self, report: Report) -> None:
        self.finished = report


def test_a_failed_check_is_shown_then_raised_as_check_failed() -> None:
    port = pg.free_port()

    def no_password() -> str:
        raise AssertionError("no sign-in is attempted after TCP failed")

    target = Target(
        "127.0.0.1", port, "app", "app", "password", no_password, "/nowhere/ca.pem", "a store"
    )
    view = Recorder()
    with pytest.raises(CheckFailed) as raised:
        run(App(Settings(), None), target, CheckOptions(timeout=1.0), view)
    assert view.phases == [["dns.resolved"], ["tcp.refused"]]
    assert view.finished is not None and view.finished.failed
    assert view.finished.target == f"app@127.0.0.1:{port}"
    assert raised.value.exit_code == ExitCode.CHECK_FAILED
    assert raised.value.message == view.finished.verdict
