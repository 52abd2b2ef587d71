"""--debug logging to stderr, and the redaction that every log line and error goes through.

Three layers, so that no secret reaches stderr:
- the values proxyctl has held at run time (passwords, secret strings, IAM tokens, the AWS
  secret key and session token) are remembered (`remember_secret`) and masked as exact
  strings, also in the encodings a log line carries them in (JSON, URL, Python repr);
- request and response bodies of AWS calls that can carry a secret (all of Secrets Manager,
  and every operation whose AWS model marks a field sensitive) are not logged at all;
- patterns catch what proxyctl never held: a field named like a password or a token, a
  signature, credentials in a URL.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

SecretText = TypeVar("SecretText", bound=str | None)

_MASK = "***"
# Shorter values turn up by chance in any text: masking them would garble every line.
_MIN_LENGTH = 4


class _Remembered:
    """The secret values of this run, and all their forms, longest first."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.values: set[str] = set()
        self.forms: list[str] | None = []

    def add(self, value: str) -> None:
        with self.lock:
            if value not in self.values:
                self.values.add(value)
                self.forms = None

    def clear(self) -> None:
        with self.lock:
            self.values.clear()
            self.forms = []

    def longest_first(self) -> list[str]:
        with self.lock:
            if self.forms is None:
                forms = set().union(*(encodings(v) for v in self.values))
                # Longest first: a secret that holds another is masked whole.
                self.forms = sorted(forms, key=lambda f: (-len(f), f))
            return self.forms


_remembered = _Remembered()


def remember_secret(value: SecretText) -> SecretText:
    """Mask VALUE in every log line and error message from now on; returns VALUE."""
    if value is not None and len(value) >= _MIN_LENGTH:
        _remembered.add(value)
    return value


def forget_secrets() -> None:
    """Drop every remembered value (for a new run in the same process)."""
    _remembered.clear()


def _encoders() -> list[Callable[[str], str]]:
    import json
    from urllib.parse import quote, quote_plus

    return [
        lambda v: json.dumps(v)[1:-1],
        lambda v: json.dumps(v, ensure_ascii=False)[1:-1],
        lambda v: quote(v, safe=""),
        lambda v: quote_plus(v, safe=""),
        lambda v: repr(v)[1:-1],
        lambda v: repr(v.encode())[2:-1],
    ]


def encodings(value: str, depth: int = 2) -> set[str]:
    """VALUE as a log line may hold it: JSON-escaped, URL-encoded or repr'd, nested up to
    DEPTH times (a password inside a JSON secret string inside a JSON body). Deeper
    nesting occurs only in Secrets Manager bodies, which are never logged."""
    forms, encoders = {value}, _encoders()
    for _ in range(depth):
        forms |= {encode(form) for form in forms for encode in encoders}
    return forms


# Field names whose values are secrets, matched case-insensitively at the end of a key
# ("MasterUserPassword", "aws_session_token", "X-Amz-Security-Token", "PGPASSWORD"...).
# Only the end of the key is matched: the rest of it stays as it is.
_NAMES = (
    r"(?:password|passwd|secret_?string|secret_?binary|secret_?access_?key"
    r"|session_?token|security[_-]?token|access_?token|refresh_?token|client_?secret)"
)
# A quoted string, at any level of escaping (\" inside JSON, \\\" inside JSON in JSON):
# the value runs to the same quote not preceded by a backslash, or to the end of the line.
_QUOTED_VALUE = r"""(?P<q>\\*["'])(?P<value>.*?)(?:(?<!\\)(?P=q)|(?=\n)|\Z)"""
# Most lines name none of these: skip their patterns then (they cost the most).
_NAME_STEMS = ("passw", "secret", "token")
_SHAPES: list[tuple[tuple[str, re.RegexFlag], str]] = [
    # Presigned URLs and IAM auth tokens (also URL-encoded); Authorization headers.
    ((r"(X-Amz-Signature(?:=|%3D))[0-9a-f]+", re.I), r"\1" + _MASK),
    ((r"(X-Amz-Security-Token(?:=|%3D))(?:(?!%26)[^&\s'\"])+", re.I), r"\1" + _MASK),
    ((r"(Signature(?:=|:\s*))[0-9a-f]{16,}", re.I), r"\1" + _MASK),
    # Canonical request lines: "x-amz-security-token:VALUE".
    ((r"^(x-amz-security-token:).*$", re.I | re.M), r"\1" + _MASK),
    # Credentials in a URL: scheme://user:PASSWORD@host (to the last @ before the path).
    (
        (r"""(\b[a-z][a-z0-9+.-]*://[^:/@\s'"]+:)[^\s'"/]+(@)""", re.I),
        r"\1" + _MASK + r"\2",
    ),
]
_NAMED: list[tuple[tuple[str, re.RegexFlag], str]] = [
    # "password": "...", 'Password': b'...', \"password\": \"...\" (JSON, dict reprs).
    (
        (rf"""(?P<key>{_NAMES}\\*["']\s*[:=]\s*b?){_QUOTED_VALUE}""", re.I),
        rf"\g<key>\g<q>{_MASK}\g<q>",
    ),
    # "password": 12345 (an unquoted JSON or repr value)
    (
        (rf"""({_NAMES}\\*["']\s*[:=]\s*)(?!b?\\*["'])[^\s,}}\]]+""", re.I),
        r"\1" + _MASK,
    ),
    # password='...' (keyword reprs, quoted conninfo values)
    ((rf"""(?P<key>{_NAMES}=b?){_QUOTED_VALUE}""", re.I), rf"\g<key>\g<q>{_MASK}\g<q>"),
    # password=... (query strings, conninfo, environment): to the next & or the line's end.
    ((rf"""({_NAMES}=)(?!b?["'])[^&\n]+""", re.I), r"\1" + _MASK),
]


def redact(text: str) -> str:
    """TEXT with every remembered secret, and every value that looks like one, masked."""
    for form in _remembered.longest_first():  # substring tests: far quicker than one regex
        if form in text:
            text = text.replace(form, _MASK)
    shapes, named = _compiled()
    if any(stem in text.lower() for stem in _NAME_STEMS):
        shapes = shapes + named
    for pattern, replacement in shapes:
        text = pattern.sub(replacement, text)
    return text


@cache
def _compiled() -> tuple[list[tuple[re.Pattern[str], str]], ...]:
    """The patterns, compiled on first use: compiling costs more than `token` may spend."""
    return tuple([(re.compile(*spec), r) for spec, r in group] for group in (_SHAPES, _NAMED))


# Bodies of AWS calls that can carry a secret ----------------------------------------------

_SECRET_SERVICES = ("secretsmanager",)
_current = threading.local()  # the AWS operation this thread is making, from botocore's log
_verdicts: dict[tuple[str, str], bool] = {}


def _has_sensitive_field(shape: Any, seen: set[str]) -> bool:
    """Whether botocore's model SHAPE holds a field AWS marks `sensitive`, at any depth."""
    if shape is None or shape.name in seen:
        return False
    seen.add(shape.name)
    if shape.metadata.get("sensitive"):
        return True
    inner = {
        "structure": lambda: list(shape.members.values()),
        "list": lambda: [shape.member],
        "map": lambda: [shape.key, shape.value],
    }.get(shape.type_name, list)()
    return any(_has_sensitive_field(member, seen) for member in inner)


def _carries_secrets(operation: Any) -> bool:
    service = operation.service_model.service_name
    key = (service, operation.name)
    if key not in _verdicts:
        _verdicts[key] = service in _SECRET_SERVICES or any(
            _has_sensitive_field(shape, set())
            for shape in (operation.input_shape, operation.output_shape)
        )
    return _verdicts[key]


def _withhold_bodies(record: logging.LogRecord) -> None:
    """Replace botocore's logged request parameters and response body for operations that
    can carry a secret. botocore logs "Making request for OPERATION with params" before
    each call, in the calling thread: that record says which operation the next ones are."""
    args: tuple[Any, ...] = record.args if isinstance(record.args, tuple) else ()
    message = record.msg if isinstance(record.msg, str) else ""
    if record.name == "botocore.endpoint" and message.startswith("Making request for"):
        operation: Any = args[0] if args else None
        service = getattr(getattr(operation, "service_model", None), "service_name", None)
        label = f"{service} {operation.name}" if service else None
        _current.label = label if label and _carries_secrets(operation) else None
        if _current.label:
            record.msg, record.args = "Making request for %s: parameters not logged", (label,)
    elif record.name == "botocore.parsers" and message.startswith("Response body"):
        label = getattr(_current, "label", None)
        if label:
            record.msg, record.args = "Response body of %s: not logged", (label,)


class WithholdingFilter(logging.Filter):
    """Drops the bodies of AWS calls that can carry a secret; the handler redacts the rest."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("botocore."):
            _withhold_bodies(record)
        return True


class _StderrHandler(logging.Handler):
    """Writes to whatever sys.stderr is at the time, redacted (tracebacks included)."""

    def emit(self, record: logging.LogRecord) -> None:
        import sys

        try:
            sys.stderr.write(redact(self.format(record)) + "\n")
        except Exception:  # a log line must never break the command
            self.handleError(record)


_LOGGERS = ("proxyctl", "botocore", "boto3", "urllib3", "psycopg")


def enable_debug() -> None:
    """Send DEBUG logs of proxyctl and the AWS and PostgreSQL libraries to stderr."""
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    handler.addFilter(WithholdingFilter())
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
