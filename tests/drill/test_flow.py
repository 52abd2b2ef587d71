"""The failover-test flow called as a function: what the command resolved goes in, a
result comes out, and the flow itself prints nothing and exits nowhere."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from proxyctl.cli.prompts import Defaults
from proxyctl.db.probe import Endpoint as Connection
from proxyctl.drill import flow
from proxyctl.drill.options import FailoverOptions, Where, probed_endpoints
from proxyctl.drill.samples import Endpoint
from proxyctl.errors import ExitCode, UsageError
from tests import pg
from tests.answers import Answers
from tests.drill.views import RecordingView


class Scripted:
    """A Screen's parts with the user's typed answer scripted, and everything said kept."""

    def __init__(self, typed: str | None = None) -> None:
        self.ask = Answers({} if typed is None else {"--yes": typed})
        self.said: list[str] = []

    @property
    def asked(self) -> list[str]:
        return [question for _, question in self.ask.asked]

    def screen(self, can_ask: bool = True) -> flow.Screen:
        ask = self.ask if can_ask else Defaults("--no-input")
        return flow.Screen(self.said.append, ask, lambda labels, stall: RecordingView())


CLUSTER = {"DBClusterIdentifier": "orders-db", "Endpoint": "orders-db.cluster.test", "Port": 5432}


def where(cluster: dict[str, Any] | None = None) -> Where:
    o = FailoverOptions(host="proxy.test")
    return Where(probed_endpoints(o, "proxy.test", cluster), cluster, None, None)


def test_the_confirmation_wants_the_cluster_id_typed() -> None:
    user = Scripted("orders-db")
    flow.confirm(FailoverOptions(), where(CLUSTER), user.ask)
    assert user.asked == ["Type orders-db to start the drill:"]


@pytest.mark.parametrize("typed", ["orders", "", "failover", "ORDERS-DB"])
def test_anything_else_typed_triggers_nothing(typed: str) -> None:
    with pytest.raises(UsageError) as caught:
        flow.confirm(FailoverOptions(), where(CLUSTER), Scripted(typed).ask)
    assert caught.value.message == "nothing was triggered: the confirmation did not match."
    assert caught.value.field == "--yes"


def test_without_a_cluster_the_word_failover_is_typed() -> None:
    user = Scripted("failover")
    flow.confirm(FailoverOptions(trigger="command"), where(), user.ask)
    assert user.asked == ["Type failover to start the drill:"]


def test_nobody_to_ask_needs_yes() -> None:
    with pytest.raises(UsageError, match=r"^a failover drill needs confirmation: pass --yes\.$"):
        flow.confirm(FailoverOptions(), where(CLUSTER), Defaults("--no-input"))


@pytest.mark.parametrize(
    "options", [FailoverOptions(yes=True), FailoverOptions(trigger="none")], ids=["yes", "none"]
)
def test_yes_or_only_observing_asks_nothing(options: FailoverOptions) -> None:
    user = Scripted()
    flow.confirm(options, where(CLUSTER), user.ask)
    assert user.asked == []


def test_the_announcement_says_what_is_triggered_on_what() -> None:
    o = FailoverOptions(target_instance="orders-db-2", timeout=60)
    assert flow.announcement(o, where(CLUSTER)) == (
        "will trigger: FailoverDBCluster on orders-db to orders-db-2\n"
        "will probe: proxy proxy.test:5432, direct orders-db.cluster.test:5432\n"
        "timeout: 60 s\n"
    )


def _reach(server: pg.PgServer, o: FailoverOptions) -> flow.Reach:
    def connection(e: Endpoint) -> Connection:
        return Connection(
            e.label,
            e.host,
            e.port,
            "app",
            "app",
            lambda: pg.APP_PASSWORD,
            sslrootcert=str(server.ca_file),
        )

    found = Where(probed_endpoints(o, "localhost", None), None, None, None)
    return flow.Reach(found, connection, {"PATH": "/usr/bin:/bin"})


def test_a_failing_trigger_command_comes_back_as_the_result_not_as_output(
    pg_tls: pg.PgServer, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "drill.md"
    o = FailoverOptions(
        host="localhost",
        port=pg_tls.port,
        no_direct=True,
        interval=0.1,
        baseline=0.5,
        settle=0.5,
        timeout=30,
        trigger="command",
        trigger_command="exit 3",
        report=report,
    )
    user = Scripted("failover")
    result = flow.run(o, _reach(pg_tls, o), user.screen())
    assert user.said[0].startswith("will trigger: --trigger-command, through the shell\n")
    assert result.exit_code == ExitCode.TRIGGER_FAILED
    assert result.error is not None
    assert result.error.message == "the trigger command exited with status 3"
    assert result.trigger_exit_status == 3 and result.report == str(report)
    assert report.read_text().startswith("# Failover drill\n")
    assert capfd.readouterr() == ("", "")  # said through the screen only
