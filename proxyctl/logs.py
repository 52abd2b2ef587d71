"""--debug logging to stderr, with secrets, passwords and tokens redacted."""

from __future__ import annotations

import logging
import re

_MASK = "***"
_PATTERNS = [
    # Presigned URLs and IAM auth tokens; Authorization headers.
    re.compile(r"(X-Amz-Signature=)[0-9a-fA-F]+"),
    re.compile(r"(X-Amz-Security-Token=)[^&\s'\"]+"),
    re.compile(r"(Signature=)[0-9a-fA-F]{16,}"),
    re.compile(r"(Signature:\s*)[0-9a-fA-F]{16,}"),
    # JSON or dict fields and query parameters that carry secrets.
    re.compile(
        r"""((?:["']?)(?:SecretString|SecretBinary|Password|MasterUserPassword|password|"""
        r"""SecretAccessKey|aws_secret_access_key|SessionToken|aws_session_token|"""
        r"""RandomPassword|PGPASSWORD)(?:["']?)\s*[:=]\s*b?["']?)([^"'&,}\s]+)"""
    ),
    re.compile(r"(postgres(?:ql)?://[^:/@\s]+:)([^@\s]+)(@)"),
]


def _mask(match: re.Match[str]) -> str:
    # Group 1 is what stays before the secret; a third group is what stays after it.
    after = match.group(3) if match.re.groups == 3 else ""
    return match.group(1) + _MASK + after


def redact(text: str) -> str:
    for pattern in _PATTERNS:
        text = pattern.sub(_mask, text)
    return text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        return True


class _StderrHandler(logging.Handler):
    """Writes to whatever sys.stderr is at the time, redacted."""

    def emit(self, record: logging.LogRecord) -> None:
        import sys

        try:
            sys.stderr.write(self.format(record) + "\n")
        except Exception:  # a log line must never break the command
            self.handleError(record)


_LOGGERS = ("proxyctl", "botocore", "boto3", "urllib3", "psycopg")


def enable_debug() -> None:
    """Send DEBUG logs of proxyctl and the AWS and PostgreSQL libraries to stderr."""
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    handler.addFilter(RedactingFilter())
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        for old in [h for h in logger.handlers if isinstance(h, _StderrHandler)]:
            logger.removeHandler(old)
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)


def disable_debug() -> None:
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        for old in [h for h in logger.handlers if isinstance(h, _StderrHandler)]:
            logger.removeHandler(old)
        logger.setLevel(logging.NOTSET)
