"""proxyctl on a real pseudo-terminal: wait for a question, press keys, read the screen.

prompt_toolkit redraws only the cells that change, so the text a person reads
is in no single stretch of the output: pyte draws the screen from it as a
terminal would, and the tests read that screen.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
from types import TracebackType

import pyte

TIMEOUT = 20.0  # generous: the machine is shared
ROWS, COLUMNS = 150, 200  # tall enough that a whole run stays on the screen
ENTER = "\r"
DOWN = "\x1b[B"
CLEAR_LINE = "\x15"  # Ctrl-U: the text prompts start with their default typed in


class _Screen(pyte.Screen):  # type: ignore[misc]
    """A pyte screen that answers the cursor-position question on the pty, as xterm does."""

    def __init__(self, reply: int) -> None:
        super().__init__(COLUMNS, ROWS)
        self.reply = reply

    def write_process_input(self, data: str) -> None:
        os.write(self.reply, data.encode())


class Terminal:
    """`proxyctl ARGS` on a pty. Secrets go in ENV or through the keyboard, never in ARGS."""

    def __init__(
        self, args: list[str], env: dict[str, str] | None = None, stdout: int | None = None
    ) -> None:
        """STDOUT: a file descriptor to write stdout to instead (a redirect, `> file`)."""
        self.leader, follower = pty.openpty()
        fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "proxyctl", *args],
            stdin=follower,
            stdout=follower if stdout is None else stdout,
            stderr=follower,
            env={**os.environ, **(env or {}), "TERM": "xterm"},
            close_fds=True,
        )
        os.close(follower)
        self._screen = _Screen(self.leader)
        self._stream = pyte.ByteStream(self._screen)
        self.raw = b""  # every byte written, for what must never appear

    def __enter__(self) -> Terminal:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=TIMEOUT)
        os.close(self.leader)

    def _read(self, wait: float) -> bool:
        """Take what the program wrote within WAIT seconds; False once it closed the pty."""
        ready, _, _ = select.select([self.leader], [], [], wait)
        if not ready:
            return True
        try:
            chunk = os.read(self.leader, 65536)
        except OSError:  # the child closed the terminal
            return False
        self.raw += chunk
        self._stream.feed(chunk)
        return bool(chunk)

    @property
    def screen(self) -> str:
        return "\n".join(line.rstrip() for line in self._screen.display).strip("\n")

    def expect(self, text: str, times: int = 1) -> None:
        """Wait until TEXT is on the screen (TIMES times: a question asked again)."""
        deadline = time.monotonic() + TIMEOUT
        while self.screen.count(text) < times:
            if time.monotonic() > deadline or not self._read(0.1):
                raise AssertionError(f"{text!r} never appeared; the screen:\n{self.screen}")

    def answer(self, question: str, keys: str, times: int = 1) -> None:
        """Wait for QUESTION (asked TIMES times), then press KEYS."""
        self.expect(question, times)
        time.sleep(0.05)  # let prompt_toolkit finish drawing before the keys arrive
        os.write(self.leader, keys.encode())

    def type_over(self, question: str, text: str) -> None:
        """Wait for QUESTION, clear its default, type TEXT and Enter."""
        self.answer(question, CLEAR_LINE + text + ENTER)

    def finish(self) -> int:
        """Read until the program ends and its output is drained; its exit code."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline and self._read(0.1):
            if self.proc.poll() is not None and not select.select([self.leader], [], [], 0)[0]:
                break
        return self.proc.wait(timeout=TIMEOUT)
