"""Prompts on a real terminal, and none where prompting is off."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import time
from datetime import UTC, datetime

from proxyctl.tokens import inspect_token
from tests.conftest import SAMPLE_HOST

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
