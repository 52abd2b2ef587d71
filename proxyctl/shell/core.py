"""The shell's connection and its statements, for the prompt and for scripts alike.

A fresh token at every connect and reconnect; a lost connection is said in one line
and opened again before the next statement, which is never re-run by itself. Ctrl-C
while a statement runs: where the server gave a cancel key, cancel as psql does;
through a proxy (no key, backend pid 0) the first Ctrl-C says that nothing can stop
the statement, and the second closes the connection.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from proxyctl.db import session
from proxyctl.db.session import Answer, SignIn
from proxyctl.errors import ConnectionProblem
from proxyctl.shell import guard

if TYPE_CHECKING:
    from proxyctl.app import App
    from proxyctl.db.target import Target

NO_CANCEL = (
    "The proxy cannot cancel a statement (it gives no cancel key): this one runs to its "
    "end on the server, and commits in autocommit. Press Ctrl-C again to close the "
    "connection (the statement may still run on)."
)
CANCEL_SENT = "Cancel request sent."
CLOSED = (
    "Connection closed; the statement may still be running on the server. "
    "The next statement reconnects."
)
NOT_SENT = "Not sent."


@dataclass
class Choices:
    """What the user turned on or off (flags and settings)."""

    confirm: bool = True  # ask before DROP, TRUNCATE, DELETE/UPDATE without WHERE
    warn_pinning: bool = True


@dataclass
class Shell:
    """One target, at most one connection to it, and what this session did."""

    app: App
    target: Target
    check_command: str  # `proxyctl check` with the same options, for connection errors
    choices: Choices = field(default_factory=Choices)
    say: Callable[[str], None] = print
    conn: Any = None
    signed: SignIn | None = None
    pinned: list[str] = field(default_factory=list)  # what pinned this session
    connects: int = 0
    lost_why: str | None = None  # why the last connection ended, until the next one

    def connect(self) -> None:
        """Open (again) with a fresh token or the password; a failure is exit 5 with
        check's reading of the message and the `proxyctl check` command."""
        self.close()
        try:
            self.conn, self.signed = session.sign_in(self.target)
        except session.ConnectFailed as exc:
            raise ConnectionProblem(
                f"could not connect to {self.target.where} ({self.target.auth}): {exc.message}",
                hint=f"{self._hint(exc.message)} To test the way phase by phase: "
                f"{self.check_command}",
            ) from None
        self.connects += 1
        self.pinned = []
        self.lost_why = None
        session.on_notice(self.conn, lambda severity, text: self.say(f"{severity}:  {text}"))

    def _hint(self, message: str) -> str:
        """check's reading of a connection error: its classes (db.classify) and hints."""
        from proxyctl.db.classify import classify
        from proxyctl.db.hints import explain
        from proxyctl.model.probe import ErrorClass

        error_class, _, _ = classify(ConnectionError(message))
        code, hint = explain(message)
        if error_class is ErrorClass.TLS and code == "auth.failed":  # no sign-in hint fits
            t = self.target
            hint = (
                f"TLS failed against {t.store}: pass --ca-bundle with the CA that signed the "
                "server's certificate, and check the host name it was issued for."
            )
            hint += f" {t.store_hint}" if t.store_hint else ""
        return hint

    def close(self) -> None:
        if self.conn is not None and not self.conn.closed:
            self.conn.close()
        self.conn = None

    @property
    def usable(self) -> bool:
        return session.is_usable(self.conn)

    def ready(self) -> None:
        """Connected before a statement: reconnect, saying so, after a lost connection."""
        if self.usable:
            return
        if self.conn is not None or self.lost_why is not None:
            token = " with a new IAM token" if self.target.auth == "iam" else ""
            self.say(f"Reconnecting to {self.target.where}{token}...")
        self.connect()

    def allowed(self, sql: str) -> bool:
        """Ask before a statement that destroys data; warn about what would pin."""
        what = guard.destroys(sql)
        if what and self.choices.confirm and not self.app.settings.yes:
            question = (
                f"{what}: once sent it cannot be stopped through a proxy. Type yes to send it:"
            )
            if not self.app.ask.typed("--no-confirm", question, "yes", action=what):
                self.say(NOT_SENT)
                return False
        if self.choices.warn_pinning:
            warnings = guard.pin_warnings(sql)
            for line in warnings:
                self.say(line if line.startswith(" ") else f"warning: {line}")
            if warnings:
                self.say("  (--no-warn-pinning or the setting warn_pinning = false turns this off)")
        return True

    def run(self, sql: str) -> Answer:
        """Send one statement and wait for it, taking Ctrl-C as described above."""
        self.ready()
        running = session.Running(self.conn, sql)
        answer = self._wait(running)
        if answer.lost:
            self._lost(answer)
        elif answer.error is None:
            self.pinned.extend(guard.pinned_by(sql))
        return answer

    def _wait(self, running: session.Running) -> Answer:
        """The statement's answer; Ctrl-C is counted by a signal handler rather than
        raised, so that a second press cannot land inside the handling of the first."""
        import signal
        import threading

        presses: list[int] = []
        main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGINT, lambda *_: presses.append(1)) if main else None
        try:
            handled = 0
            while not running.wait(0.05):
                while handled < len(presses):
                    handled += 1
                    if handled > 1:
                        answer = running.close()
                        self.say(CLOSED)
                        return answer
                    self._first_press(running)
            return running.answer or session.Answer()
        finally:
            if main:
                signal.signal(signal.SIGINT, previous)

    def _first_press(self, running: session.Running) -> None:
        if session.can_cancel(self.conn):
            running.cancel()
            self.say(CANCEL_SENT)
        else:
            self.say(NO_CANCEL)

    def _lost(self, answer: Answer) -> None:
        why = why_lost(answer)
        self.lost_why = "closed with Ctrl-C" if answer.closed_by_user else why
        if not answer.closed_by_user:
            self.say(
                f"The connection was lost ({why}); the statement may not have run: "
                "run it again if you need it. The next statement reconnects."
            )
        self.close()


def why_lost(answer: Answer) -> str:
    """Why a connection ended, in one line, with what usually causes that."""
    error = answer.error
    message = error.message if error else "closed"
    if error is not None and error.sqlstate in ("57P01", "57P02", "57P03"):
        return f"{message}: a restart, a failover or pg_terminate_backend"
    return (
        f"{message}: closed without a word, as a proxy does after its idle timeout "
        "(IdleClientTimeout, 30 min by default) or 24 hours, or a network cut"
    )
