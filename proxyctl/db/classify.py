"""What went wrong in a probe, as an error class, from libpq's SQLSTATE or message (pure)."""

from __future__ import annotations

import re

from proxyctl.model.probe import ErrorClass, class_for_sqlstate, short_message

# 57P02 (crash of another server process) and 57P03 (starting up, shutting down, in
# recovery) count as admin_shutdown: like 57P01, the server is going through a restart.
# The SQLSTATE stays in the sample, so a report can tell them apart.
_RESTART_SQLSTATES = ("57P02", "57P03")
_E = ErrorClass
# The first match wins. Errors while connecting carry no SQLSTATE: only the message.
_RULES = [
    (_E.TIMEOUT, r"timeout expired|timed[ -]out|statement timeout"),
    (_E.REFUSED, r"connection refused"),
    (_E.DNS, r"failed to resolve host|could not translate host name|name or service not known"),
    (_E.DNS, r"temporary failure in name resolution|nodename nor servname|no address assoc"),
    (_E.ADMIN_SHUTDOWN, r"terminating connection due to administrator command"),
    (_E.ADMIN_SHUTDOWN, r"the database system is (?:shutting down|starting up|in recovery|not)"),
    (_E.ADMIN_SHUTDOWN, r"crash of another server process"),
    (_E.READ_ONLY, r"read-only transaction"),
    (_E.TLS, r"requires TLS|only with SSL|server does not support SSL"),
    (_E.TLS, r"no pg_hba\.conf entry .*no encryption"),  # the server takes TLS only
    (_E.AUTH, r"authentication failed|password that was provided|no credentials for the role"),
    (_E.AUTH, r"RDS supports only IAM|user name is missing|no pg_hba\.conf entry"),
    # A connection cut mid-way (also under TLS: "SSL SYSCALL error") is not a TLS problem.
    (_E.OTHER, r"closed (?:the connection )?unexpectedly|EOF detected|SSL SYSCALL|broken pipe"),
    (_E.OTHER, r"unexpected eof|connection reset|connection is (?:closed|lost)"),
    (_E.TLS, r"SSL|TLS|certificate|sslrootcert"),
]
_MESSAGES = [(error_class, re.compile(pattern, re.I)) for error_class, pattern in _RULES]


class ProbeError(Exception):
    """A failure the prober itself decides: its deadline, no password, a skipped probe."""

    def __init__(self, error_class: ErrorClass, message: str) -> None:
        super().__init__(message)
        self.error_class = error_class


def classify(exc: BaseException) -> tuple[ErrorClass, str | None, str]:
    """The class, SQLSTATE and one-line message of a probe's exception (pure)."""
    text = str(exc).replace("connection failed: ", "", 1)
    message = short_message(" ".join(text.split("\n", 1)[0].split())) or type(exc).__name__
    if isinstance(exc, ProbeError):
        return exc.error_class, None, message
    sqlstate = getattr(exc, "sqlstate", None)
    by_code = class_for_sqlstate(sqlstate)
    if by_code is None and sqlstate in _RESTART_SQLSTATES:
        by_code = _E.ADMIN_SHUTDOWN
    if by_code is not None:
        return by_code, sqlstate, message
    if isinstance(exc, TimeoutError):
        return _E.TIMEOUT, sqlstate, message
    for error_class, pattern in _MESSAGES:
        if pattern.search(text):
            return error_class, sqlstate, message
    return _E.OTHER, sqlstate, message
