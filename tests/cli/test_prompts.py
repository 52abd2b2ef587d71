"""Prompts on a real terminal, and none where prompting is off."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from proxyctl.cli.prompts import Defaults
from proxyctl.errors import UsageError
from proxyctl.tokens import inspect_token
from tests.answers import CTRL_C, UnexpectedQuestion
from tests.cli.terminal import ENTER, Terminal
from tests.conftest import SAMPLE_HOST, Cli
from tests.pg import APP_PASSWORD, PgServer

TIMEOUT = 15.0


def run_in_terminal(
    args: list[str],
    answer: str,
    env: dict[str, str],
    prompt: bytes | None = b"Database user",
    typing_delay: float = 0.0,
) -> tuple[int, str]:
    """Run proxyctl on a pseudo-terminal, type ANSWER at PROMPT (after TYPING_DELAY seconds;
    PROMPT None: no typing),
    return all it printed."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "proxyctl", *args],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env={**os.environ, **env, "TERM": "xterm"},
        close_fds=True,
    )
    os.close(follower)
    seen, sent = b"", False
    deadline = time.monotonic() + TIMEOUT
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(leader, 4096)
                except OSError:  # the child closed the terminal
                    break
                if not chunk:
                    break
                seen += chunk
                if b"\x1b[6n" in chunk:  # prompt_toolkit asks where the cursor is
                    os.write(leader, b"\x1b[1;1R")
            if not sent and prompt is not None and prompt in seen:
                time.sleep(typing_delay)
                os.write(leader, answer.encode() + b"\r")
                sent = True
            if proc.poll() is not None and not ready:
                break
        return proc.wait(timeout=TIMEOUT), seen.decode(errors="replace")
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(leader)


def test_missing_user_is_asked_for_on_a_terminal() -> None:
    code, screen = run_in_terminal(["token", "--host", SAMPLE_HOST], "reporting", {})
    assert code == 0, screen
    assert "Database user" in screen
    token = re.search(re.escape(SAMPLE_HOST) + r":5432/\?Action=connect\S+", screen)
    assert token is not None, screen
    assert inspect_token(token.group(0), datetime.now(UTC)).user == "reporting"


def test_no_prompt_with_ci_set_even_on_a_terminal() -> None:
    code, screen = run_in_terminal(["token", "--host", SAMPLE_HOST], "x", {"CI": "true"})
    assert code == 2
    assert "? Database user" not in screen  # the question shows in the error, not as a prompt
    assert "--user is required" in screen and "CI is set" in screen


def test_no_prompt_with_no_input_even_on_a_terminal() -> None:
    code, screen = run_in_terminal(["--no-input", "token", "--host", SAMPLE_HOST], "x", {})
    assert code == 2
    assert "? Database user" not in screen  # the question shows in the error, not as a prompt
    assert "--user is required" in screen and "prompts are off: --no-input" in screen


def test_with_stdout_redirected_the_question_goes_to_the_terminal_not_the_file(
    tmp_path: Path,
) -> None:
    """`proxyctl ... > out.json` on a terminal: the file holds the result and nothing else."""
    out = tmp_path / "token.json"
    with (
        out.open("wb") as file,
        Terminal(
            ["--output", "json", "token", "--host", SAMPLE_HOST], stdout=file.fileno()
        ) as term,
    ):
        term.answer("Database user", "reporting" + ENTER)
        code = term.finish()
    assert code == 0, term.screen
    assert "? Database user: reporting" in term.screen
    assert json.loads(out.read_text())["user"] == "reporting"


# --- Every prompt goes through the App's Asker -----------------------------------------


def test_scripted_answers_reach_the_command(cli: Cli, answers: Any) -> None:
    asked = answers({"--user": "reporting"})
    run = cli("--output", "json", "token", "--host", SAMPLE_HOST)
    assert run.exit_code == 0, run.stderr
    assert run.json()["user"] == "reporting"
    assert asked.asked == [("--user", "Database user:")]


def test_a_question_without_a_scripted_answer_fails_the_test(cli: Cli, answers: Any) -> None:
    answers({"--role": "orders-api"})
    with pytest.raises(UnexpectedQuestion, match="unexpected question for --user"):
        cli("token", "--host", SAMPLE_HOST)


def test_ctrl_c_at_a_scripted_prompt_is_exit_130(cli: Cli, answers: Any) -> None:
    answers({"--user": CTRL_C})
    run = cli("token", "--host", SAMPLE_HOST)
    assert (run.exit_code, run.stderr) == (130, "interrupted\n")


def test_scripted_answers_do_not_turn_prompts_on_against_no_input(cli: Cli, answers: Any) -> None:
    asked = answers({"--user": "reporting"})
    run = cli("--no-input", "token", "--host", SAMPLE_HOST)
    assert run.exit_code == 2
    assert run.stderr == (
        "error: --user is required.\n"
        "hint: Pass --user, or set it in the config file (prompts are off: --no-input).\n"
    )
    assert asked.asked == []


def test_with_prompts_off_a_typed_confirmation_names_its_flag() -> None:
    ask = Defaults("auto (CI is set)")
    with pytest.raises(UsageError) as raised:
        ask.typed("--yes", "Type orders to delete it:", "orders", action="destroy orders")
    assert raised.value.message == "destroy orders needs confirmation: pass --yes."
    assert raised.value.hint == "--yes confirms without asking (prompts are off: auto (CI is set))."
    assert raised.value.field == "--yes"


def test_with_prompts_off_a_secret_from_the_environment_names_it() -> None:
    with pytest.raises(UsageError) as raised:
        Defaults("--no-input").secret("PGPASSWORD", "Password of app:")
    assert raised.value.message == "PGPASSWORD is required."
    assert raised.value.hint == ("Set PGPASSWORD in the environment (prompts are off: --no-input).")


# --- On a real terminal: the drill's typed confirmation, the hidden password ------------


def drill_args(server: PgServer) -> list[str]:
    """A short drill against SERVER whose trigger does nothing: no --yes."""
    return [
        "failover-test", "--host", "localhost", "--port", str(server.port),
        "--ca-bundle", str(server.ca_file), "--user", "app", "--database", "app",
        "--auth", "password", "--no-direct", "--trigger", "command", "--trigger-command", "true",
        "--interval", "0.1", "--baseline", "0.3", "--settle", "0.3", "--timeout", "5",
        "--skip-preflight",
    ]  # fmt: skip


def test_a_drill_starts_only_when_the_cluster_name_is_typed(pg_tls: PgServer) -> None:
    env = {"PGPASSWORD": APP_PASSWORD}
    prompt = b"Type failover to start the drill"
    code, screen = run_in_terminal(drill_args(pg_tls), "failover", env, prompt=prompt)
    assert code in (0, 6), screen  # 6: no failover observed, which is this drill's truth
    assert "trigger command: exited with status 0" in screen, screen  # the drill ran


def test_a_drill_with_the_wrong_word_typed_triggers_nothing(pg_tls: PgServer) -> None:
    env = {"PGPASSWORD": APP_PASSWORD}
    prompt = b"Type failover to start the drill"
    code, screen = run_in_terminal(drill_args(pg_tls), "yes", env, prompt=prompt)
    assert code == 2, screen
    assert "nothing was triggered: the confirmation did not match." in screen
    assert "trigger command:" not in screen


def test_the_password_is_asked_once_and_hidden(pg_tls: PgServer) -> None:
    args = [
        "check", "--host", "localhost", "--port", str(pg_tls.port),
        "--ca-bundle", str(pg_tls.ca_file), "--user", "app", "--database", "app",
        "--auth", "password",
    ]  # fmt: skip
    code, screen = run_in_terminal(args, APP_PASSWORD, {}, prompt=b"Password of app")
    assert code == 0, screen
    assert "Repeat it" not in screen  # one entry: an existing password is not typed twice
    assert APP_PASSWORD not in screen
