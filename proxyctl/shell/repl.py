"""The interactive shell: prompt_toolkit with multi-line statements that end at `;`,
history (mode 0600, never a statement that sets a password), PostgreSQL highlighting,
completion from one catalog query on this connection, results as aligned tables with
a pager, and the backslash commands."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from proxyctl import sqltext
from proxyctl.db.session import Answer
from proxyctl.output import clean
from proxyctl.shell import conninfo, render
from proxyctl.shell.core import Shell
from proxyctl.shell.lines import QUIT

if TYPE_CHECKING:
    from prompt_toolkit import PromptSession

HELP = """\\conninfo     where and how this session is connected (TLS, token, cancel, pinning)
\\pinning      what pinned this session to its database connection
\\reconnect    close and connect again with a new token
\\x            expanded output on or off
\\timing       show how long each statement took, on or off
\\d [NAME]     describe (and the rest of the \\d family: pip install 'proxyctl[shell]')
\\q            quit (or Ctrl-D)
\\?            this help
Statements end with ; and may span lines. Ctrl-C clears the line at the prompt.
"""


def history_path() -> Path:
    """connect_history in the user state directory ($XDG_STATE_HOME/proxyctl)."""
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(Path.home(), ".local", "state")
    return Path(base) / "proxyctl" / "connect_history"


def private_file(path: Path) -> Path:
    """PATH made (with its directory) readable by its owner only: statements are data."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if path.is_symlink():
        path.unlink()  # never write history through a link to somewhere else
    fd = os.open(path, os.O_CREAT | os.O_APPEND | os.O_WRONLY | os.O_NOFOLLOW, 0o600)
    os.fchmod(fd, 0o600)
    os.close(fd)
    return path


class Repl:
    def __init__(self, shell: Shell) -> None:
        self.shell = shell
        self.expanded = False
        self.timing = False
        self.names: list[str] | None = None  # from the catalog, on the first completion

    def run(self) -> None:
        prompt = self._session()
        while True:
            try:
                text = prompt.prompt(self._prompt_text())
            except KeyboardInterrupt:
                continue  # Ctrl-C at the prompt clears the line
            except EOFError:
                break  # Ctrl-D
            if not self.one(text.strip()):
                break
        self.shell.close()

    def _prompt_text(self) -> str:
        return f"{self.shell.target.database}=> "

    def one(self, text: str) -> bool:
        """Handle one entry; False to quit."""
        from proxyctl.errors import ProxyctlError

        if not text:
            return True
        if text in QUIT:
            return False
        try:
            if text.startswith("\\"):
                self.backslash(text)
            else:
                for _, sql in sqltext.statements(text):
                    if sql.strip().strip(";").strip() and not self.statement(sql.strip()):
                        break
        except KeyboardInterrupt:  # at a confirmation or while connecting: the shell stays
            self.shell.say("Interrupted: nothing more was sent.")
        except ProxyctlError as exc:  # a failed reconnect: say it, stay open
            self.shell.say(f"error: {exc.message}")
            if exc.hint:
                self.shell.say(f"hint: {exc.hint}")
        return True

    def statement(self, sql: str) -> bool:
        if not self.shell.allowed(sql):
            return False
        answer = self.shell.run(sql)
        self.show(answer, sql)
        if answer.tag.split(" ")[0] in ("CREATE", "ALTER", "DROP"):
            self.names = None  # the catalog changed: read it again on the next completion
        return answer.error is None

    def show(self, answer: Answer, sql: str) -> None:
        if answer.error is not None and not answer.lost:
            for line in render.error_lines(answer.error, sql):
                self.shell.say(line)
        elif answer.rows is not None:
            page(render.expanded(answer) if self.expanded else render.table(answer))
        elif answer.tag:
            self.shell.say(clean(answer.tag))
        if self.timing:
            self.shell.say(f"Time: {answer.seconds * 1000:.3f} ms")

    def backslash(self, text: str) -> None:
        word = text.split()[0]
        say = self.shell.say
        if word == "\\?":
            say(HELP.rstrip())
        elif word == "\\x":
            self.expanded = not self.expanded
            say(f"Expanded display is {'on' if self.expanded else 'off'}.")
        elif word == "\\timing":
            self.timing = not self.timing
            say(f"Timing is {'on' if self.timing else 'off'}.")
        elif word == "\\conninfo":
            self.shell.ready()
            say(conninfo.text(self.shell).rstrip())
        elif word == "\\pinning":
            self._pinning()
        elif word == "\\reconnect":
            self.shell.connect()
            say(f"Connected to {self.shell.target.where} ({self.shell.target.auth}).")
        else:  # the \\d family and the rest of psql's that pgspecial knows (\\l, \\dn...)
            self._describe(text)

    def _pinning(self) -> None:
        if not self.shell.pinned:
            self.shell.say("Nothing sent in this session pins it to its database connection.")
            return
        self.shell.say("This session is pinned to its database connection by:")
        for what in self.shell.pinned:
            self.shell.say(f"  {what}")
        self.shell.say("\\reconnect ends the pinned session.")

    def _describe(self, text: str) -> None:
        from proxyctl.db import special

        self.shell.ready()
        try:
            answers = special.run(self.shell.conn, text)
        except special.Unknown:
            self.shell.say(f"Unknown command {clean(text.split()[0])}: \\? lists the commands.")
            return
        except special.Missing:
            self.shell.say(
                f"{clean(text.split()[0])} needs pgspecial: pip install 'proxyctl[shell]' "
                "(or pipx inject proxyctl pgspecial)."
            )
            return
        for answer in answers:
            self.show(answer, text)
            if answer.rows is not None and answer.tag:
                self.shell.say(clean(answer.tag))  # \\d's indexes and constraints

    def completions(self) -> list[str]:
        from proxyctl.db import session

        if self.names is None and self.shell.usable:
            found: set[str] = set()
            for schema, table, column in session.catalog(self.shell.conn):
                found.update((schema, table, f"{schema}.{table}"))
                if column:
                    found.add(column)
            self.names = sorted(found)
        return self.names or []

    def _session(self) -> PromptSession[str]:
        from proxyctl.shell.prompt import make_session

        return make_session(self, private_file(history_path()))


def page(text: str) -> None:
    """TEXT on stdout, through a pager when it is longer than the terminal."""
    import shutil

    rows = shutil.get_terminal_size().lines
    if sys.stdout.isatty() and text.count("\n") > rows - 2:
        import pydoc

        pydoc.pager(text)
        return
    sys.stdout.write(text)
    sys.stdout.flush()


def start(shell: Shell) -> Any:
    """Connect (a failure is the command's error, exit 5), greet, then read statements."""
    shell.connect()
    t = shell.target
    shell.say(f"Connected to {t.where}, database {t.database} ({t.auth}). \\? for help.")
    Repl(shell).run()
