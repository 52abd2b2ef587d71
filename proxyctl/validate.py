"""Checks on user input that need no network: each names the field it rejects."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from proxyctl.errors import UsageError

# Partitions: aws (us-east-1), aws-cn (cn-north-1), aws-us-gov (us-gov-west-1),
# the ISO partitions (us-iso-east-1, us-isob-east-1) and sovereign ones (eusc-de-east-1).
_REGION = re.compile(r"^[a-z]{2,4}(-[a-z]+){1,3}-\d{1,2}$")
_DIGITS_AND_DOTS = re.compile(r"^[0-9.]+$")
_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
# The proxy name rule from the RDS API (63 characters; CloudFormation says 64: see FACTS).
PROXY_NAME_MAX = 63
_PROXY_NAME = re.compile(rf"^[A-Za-z](?!.*--)[A-Za-z0-9-]{{0,{PROXY_NAME_MAX - 1}}}(?<!-)$")
# Host names such as demo.proxy-abc.us-east-1.rds.amazonaws.com or ...amazonaws.com.cn
_RDS_HOST = re.compile(r"\.([a-z]{2,4}(?:-[a-z]+){1,3}-\d{1,2})\.rds\.amazonaws\.com(?:\.cn)?$")
# PostgreSQL truncates identifiers at NAMEDATALEN - 1 bytes.
PG_NAME_MAX_BYTES = 63


def region(value: str, field: str = "--region") -> str:
    if not _REGION.match(value):
        raise UsageError(
            f"{field}: {value!r} is not an AWS region name.",
            hint="Use a region code such as us-east-1 or eu-west-2 (aws ec2 describe-regions).",
            field=field,
        )
    return value


def host(value: str, field: str = "--host") -> str:
    """A DNS name or an IP address: no scheme, port, path or spaces."""
    candidate = value.strip()
    if candidate != value or not candidate:
        raise UsageError(
            f"{field}: {value!r} is not a host name.", hint="Give a bare host name.", field=field
        )
    if ":" in candidate or _DIGITS_AND_DOTS.match(candidate):
        import ipaddress  # only for what could be an address: it costs start-up time

        try:
            ipaddress.ip_address(candidate)
            return candidate
        except ValueError:
            pass
    if "X-Amz-Signature" in candidate or "DBUser%3D" in candidate or "Action=connect" in candidate:
        raise UsageError(
            f"{field}: this looks like an IAM auth token, not a host name.",
            hint=(
                "A token is HOST:PORT/?Action=connect&...: the host name is the part before "
                "the first ':' or '/'. Give that alone; proxyctl makes its own tokens."
            ),
            field=field,
        )
    labels = candidate.rstrip(".").split(".")
    if len(candidate) > 253 or not all(_LABEL.match(label) for label in labels):
        raise UsageError(
            f"{field}: {value!r} is not a host name.",
            hint=(
                "Give a bare DNS name such as myproxy.proxy-abc123.us-east-1.rds.amazonaws.com, "
                "without a scheme, port or path (the port goes in --port)."
            ),
            field=field,
        )
    return candidate


def port(value: int, field: str = "--port") -> int:
    if not 1 <= value <= 65535:
        raise UsageError(
            f"{field}: {value} is not a TCP port.",
            hint="Use a number from 1 to 65535 (RDS Proxy for PostgreSQL listens on 5432).",
            field=field,
        )
    return value


def db_user(value: str, field: str = "--user") -> str:
    if not value or not value.strip():
        raise UsageError(
            f"{field}: the database user name is empty.",
            hint="Give the PostgreSQL role to connect as, for example --user app.",
            field=field,
        )
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise UsageError(f"{field}: the user name has a control character.", field=field)
    if len(value.encode()) > PG_NAME_MAX_BYTES:
        raise UsageError(
            f"{field}: the user name is longer than PostgreSQL's {PG_NAME_MAX_BYTES} bytes.",
            field=field,
        )
    return value


# In an IAM resource ARN, * and ? match any characters and ${...} is a policy variable.
_IAM_PATTERN = re.compile(r"[*?]|\$\{")


def iam_db_user(value: str, field: str = "--db-user") -> str:
    """A database user that goes into an rds-db:connect resource: no IAM wildcards."""
    db_user(value, field)
    if _IAM_PATTERN.search(value):
        raise UsageError(
            f"{field}: {value!r} holds an IAM wildcard or policy variable (*, ? or ${{...}}): "
            "the policy would let the role connect as other users.",
            hint="Give one database user by its exact name.",
            field=field,
        )
    return value


def proxy_name(value: str, field: str = "--proxy") -> str:
    if not _PROXY_NAME.match(value):
        raise UsageError(
            f"{field}: {value!r} is not a valid RDS Proxy name.",
            hint=(
                f"A proxy name starts with a letter, has only letters, digits and hyphens, "
                f"no '--', does not end with a hyphen, and has at most {PROXY_NAME_MAX} characters."
            ),
            field=field,
        )
    return value


AUTH_MODES = ("iam", "secret", "password")


def auth_mode(value: str, field: str = "--auth") -> str:
    """How a client signs in: an IAM token, the proxy's secret, or a password."""
    if value not in AUTH_MODES:
        raise UsageError(f"{field}: {value!r} is not one of {', '.join(AUTH_MODES)}.", field=field)
    return value


def endpoint_url(value: str, field: str = "--endpoint-url") -> str:
    parts = urlsplit(value)
    try:
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        parts = parts._replace(netloc="")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(
            f"{field}: {value!r} is not an http(s) URL.",
            hint="Give a full URL such as http://127.0.0.1:5000 (a local moto_server).",
            field=field,
        )
    return value


def region_from_host(hostname: str) -> str | None:
    """The region in an RDS endpoint name, or None for any other host."""
    found = _RDS_HOST.search(hostname.lower().rstrip("."))
    return found.group(1) if found else None


_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def duration(value: str, field: str, least: float, most: float) -> float:
    """Seconds in a duration such as 90s, 30m, 2h, 1d or 1h30m, from LEAST to MOST."""
    found = _DURATION.match(value.strip().lower())
    if not value.strip() or found is None:
        raise UsageError(
            f"{field}: {value!r} is not a duration.",
            hint="Write a number and a unit: 90s, 30m, 2h, 1d (or 1h30m).",
            field=field,
        )
    days, hours, mins, secs = (int(g or 0) for g in found.groups())
    seconds = float(days * 86400 + hours * 3600 + mins * 60 + secs)
    if not least <= seconds <= most:
        raise UsageError(
            f"{field}: {value!r} is out of range: from {duration_text(least)} to "
            f"{duration_text(most)}.",
            field=field,
        )
    return seconds


def duration_text(seconds: float) -> str:
    """90 -> 90s, 1800 -> 30m, 7200 -> 2h: a duration as `duration` reads it."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"


# DB cluster and instance identifiers share the proxy name's rule (letters, digits,
# hyphens; first a letter; no '--'; no trailing hyphen; at most 63 characters).
def db_identifier(value: str, field: str) -> str:
    if not _PROXY_NAME.match(value):
        raise UsageError(
            f"{field}: {value!r} is not a valid RDS identifier.",
            hint="An identifier starts with a letter, has only letters, digits and hyphens, "
            "no '--', does not end with a hyphen, and has at most 63 characters.",
            field=field,
        )
    return value
