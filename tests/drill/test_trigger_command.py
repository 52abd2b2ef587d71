"""`--trigger-command` is part of the drill: waited for, its exit status on the timeline
and in the report, its output on stderr, its environment the user's. Also the gates and
checks around the trigger: no failover observed, --baseline 0, an unwritable --report."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import pg
from tests.conftest import ACCESS_KEY_ID, Cli
from tests.drill.test_run import drill_args, restart_command

ENV = {"PGPASSWORD": pg.APP_PASSWORD}


def events(report: Path) -> list[dict[str, Any]]:
    return list(json.loads(report.read_text())["events"])


def kinds(report: Path) -> list[str]:
    return [e["kind"] for e in events(report)]


@pytest.fixture
def leftovers() -> Iterator[list[int]]:
    """Process groups a test left running on purpose; stopped at the end."""
    groups: list[int] = []
    yield groups
    for group in groups:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)


def test_the_drill_waits_for_the_command_before_settling(
    cli: Cli, pg_server: pg.StartServer, tmp_path: Path
) -> None:
    server = pg_server()
    report = tmp_path / "drill.json"
    command = "sleep 3; " + restart_command(server, tmp_path / "outage")
    run = cli(
        *drill_args(server, "--trigger", "command", "--trigger-command", command),
        *("--report", str(report), "--max-downtime", "30"),
        env=ENV,
    )
    assert run.exit_code == 0, run.stderr
    doc = json.loads(report.read_text())
    at = {e["kind"]: e["at"] for e in doc["events"]}
    # The restart came 3 s after the trigger, past --settle 1.5: measured all the same.
    assert at["trigger_exited"] - at["trigger"] >= 3.0
    assert at["settled"] > at["trigger_exited"]
    (proxy,) = doc["analysis"]["endpoints"]
    assert proxy["downtime"] is not None and proxy["first_failure_at"] > at["trigger"] + 3.0
    assert doc["analysis"]["trigger_exit_status"] == 0
    exited = next(e for e in doc["events"] if e["kind"] == "trigger_exited")
    assert exited["detail"] == "--trigger-command exited with status 0"


def test_a_failing_command_fails_the_drill_with_exit_7_and_keeps_stdout_clean(
    cli: Cli, pg_tls: pg.PgServer, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "drill.md"
    command = "echo said-on-stdout; echo said-on-stderr >&2; exit 3"
    run = cli(
        *drill_args(pg_tls, "--trigger", "command", "--trigger-command", command),
        *("--report", str(report)),
        env=ENV,
    )
    assert run.exit_code == 7, run.stderr
    assert run.json()["trigger_exit_status"] == 3  # stdout holds the JSON document only
    assert "error: the trigger command exited with status 3" in run.stderr
    captured = capfd.readouterr()  # what the child wrote to the process's own fds
    assert "said-on-stdout" not in captured.out and "said-on-stderr" not in captured.out
    assert "said-on-stdout" in captured.err and "said-on-stderr" in captured.err
    text = report.read_text()
    assert "| Trigger command | exited with status 3 |" in text
    assert "trigger\\_exited" in text


def test_the_command_gets_the_users_environment_not_what_proxyctl_fetched(
    cli: Cli, pg_tls: pg.PgServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import proxyctl.reach as reach

    real = reach.find

    def fetching(*args: Any) -> Any:
        # As if proxyctl put a secret it fetched into its own environment.
        monkeypatch.setenv("PROXYCTL_FETCHED_SECRET", "s3cr3t-from-secrets-manager")
        return real(*args)

    monkeypatch.setattr(reach, "find", fetching)
    seen = tmp_path / "env"
    run = cli(
        *drill_args(pg_tls, "--trigger", "command", "--trigger-command", f"env > {seen}"),
        env=ENV,
    )
    assert run.exit_code == 0, run.stderr
    names = dict(line.split("=", 1) for line in seen.read_text().splitlines() if "=" in line)
    assert names["AWS_ACCESS_KEY_ID"] == ACCESS_KEY_ID  # a failover script may need them
    assert "PROXYCTL_FETCHED_SECRET" not in names


def test_a_command_still_running_at_the_timeout_exits_7_and_is_left_running(
    cli: Cli, pg_tls: pg.PgServer, leftovers: list[int]
) -> None:
    args = drill_args(pg_tls)
    args[args.index("--timeout") + 1] = "4"
    run = cli(*args, "--trigger", "command", "--trigger-command", "sleep 60", env=ENV)
    found = re.search(r"it is still running \(pid (\d+)\)", run.stderr)
    assert found, run.stderr
    pid = int(found.group(1))
    leftovers.append(pid)
    assert run.exit_code == 7
    os.kill(pid, 0)  # still there: a half-done failover is never killed
    assert os.getpgid(pid) == pid  # in a process group of its own, apart from Ctrl-C


def test_ctrl_c_says_the_command_is_still_running(
    cli: Cli, pg_tls: pg.PgServer, tmp_path: Path, leftovers: list[int]
) -> None:
    report = tmp_path / "partial.json"
    command = "kill -INT $PPID; exec sleep 30"
    run = cli(
        *drill_args(pg_tls, "--trigger", "command", "--trigger-command", command),
        *("--report", str(report)),
        env=ENV,
    )
    assert run.exit_code == 130, run.stderr
    notes = [e["detail"] for e in events(report) if e["kind"] == "note"]
    (note,) = [n for n in notes if "still running" in n]
    pid = int(re.findall(r"pid (\d+)", note)[0])
    leftovers.append(pid)
    assert note == f"--trigger-command is still running (pid {pid}); it was not stopped"


def test_the_gate_fails_when_no_failover_was_observed(cli: Cli, pg_tls: pg.PgServer) -> None:
    args = drill_args(pg_tls, "--trigger", "command", "--trigger-command", "true")
    run = cli(*args, "--max-downtime", "5", env=ENV)
    assert run.exit_code == 6, run.stderr
    assert run.json()["broken_limits"] == [
        "no failover observed: no endpoint failed or stalled and the writer did not change"
        " (--allow-no-failover passes such a drill)"
    ]
    allowed = cli(*args, "--max-downtime", "5", "--allow-no-failover", env=ENV)
    assert allowed.exit_code == 0, allowed.stderr


def test_baseline_0_fires_at_once(cli: Cli, pg_tls: pg.PgServer, tmp_path: Path) -> None:
    fired, report = tmp_path / "fired", tmp_path / "drill.json"
    args = drill_args(pg_tls, "--trigger", "command", "--trigger-command", f"touch {fired}")
    args[args.index("--baseline") + 1] = "0"
    args[args.index("--timeout") + 1] = "10"
    run = cli(*args, "--report", str(report), env=ENV)
    assert fired.exists(), run.stderr
    (trigger,) = [e for e in events(report) if e["kind"] == "trigger"]
    assert trigger["at"] < 0.5


def test_an_unwritable_report_is_refused_before_anything_is_triggered(
    cli: Cli, pg_tls: pg.PgServer, tmp_path: Path
) -> None:
    fired = tmp_path / "fired"
    run = cli(
        *drill_args(pg_tls, "--trigger", "command", "--trigger-command", f"touch {fired}"),
        *("--report", "/proc/drill.json"),
        env=ENV,
    )
    assert run.exit_code == 2, run.stderr
    assert "--report: cannot write /proc/drill.json" in run.stderr
    assert not fired.exists()


def test_a_report_that_cannot_be_written_after_the_drill_is_kept_elsewhere(
    cli: Cli, pg_tls: pg.PgServer, tmp_path: Path
) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    report = gone / "drill.html"
    command = f"rm -r {gone}"  # the directory goes away during the drill
    run = cli(
        *drill_args(pg_tls, "--trigger", "command", "--trigger-command", command),
        *("--report", str(report)),
        env=ENV,
    )
    assert run.exit_code == 2, run.stderr
    result = run.json()  # the summary is printed all the same
    assert result["summary"].startswith("proxy: ")
    kept = Path(result["report"])
    assert kept != report and kept.suffix == ".json"
    try:
        assert f"error: --report: the directory {gone} does not exist." in run.stderr
        assert f"The report was written as JSON to {kept} instead." in run.stderr
        assert json.loads(kept.read_text())["kind"] == "failover-report"
    finally:
        kept.unlink()
