"""The error family and the exit codes of the command surface (shared/CLI.md)."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    BUG = 1
    USAGE = 2
    NOT_FOUND = 3
    AWS_REFUSED = 4
    CONNECTION = 5
    CHECK_FAILED = 6
    TRIGGER_FAILED = 7  # a drill's --trigger-command failed or did not end in time
    INTERRUPTED = 130


class ProxyctlError(Exception):
    """An error the user can act on: what happened, and a hint on what to do.

    `field` names the flag or the config key at fault, where there is one.
    """

    exit_code: ExitCode = ExitCode.BUG
    kind = "error"
    # True once the command has written its result on stdout: in JSON mode the handler
    # then adds no error document there, so that stdout holds one document.
    result_written = False

    def __init__(self, message: str, hint: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.field = field

    def to_dict(self) -> dict[str, object]:
        return {
            "type": self.kind,
            "exit_code": int(self.exit_code),
            "message": self.message,
            "hint": self.hint,
            "field": self.field,
        }


class UsageError(ProxyctlError):
    """A bad flag, a bad value, a missing answer, a bad config file."""

    exit_code = ExitCode.USAGE
    kind = "usage"


class NotFoundError(ProxyctlError):
    exit_code = ExitCode.NOT_FOUND
    kind = "not_found"


class AwsRefusedError(ProxyctlError):
    """AWS answered no: credentials, permissions, throttling after retries, quota."""

    exit_code = ExitCode.AWS_REFUSED
    kind = "aws_refused"


class ConnectionProblem(ProxyctlError):
    """The database or the network failed: connect, TLS, auth, query, an unreachable API."""

    exit_code = ExitCode.CONNECTION
    kind = "connection"


class CheckFailed(ProxyctlError):
    """A check failed: its report, already on stdout, says what and how to fix it; the
    handler only turns it into exit 6."""

    exit_code = ExitCode.CHECK_FAILED
    kind = "check_failed"
    result_written = True
