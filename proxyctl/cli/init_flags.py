"""init's flags that belong to one choice: given alone they make it; with another, refused.

Pure: run on the flags before any question or AWS call, so nothing typed is lost.
"""

from __future__ import annotations

from typing import Any

from proxyctl.errors import UsageError
from proxyctl.provision.spec import SECRET_MODES

SHOW_PASSWORD = (
    "--show-password applies only with --generate-password (it prints a generated password)."
)


def _secret_flags(flags: dict[str, Any]) -> list[tuple[str, str]]:
    """The secret flags given, each with the --secret mode it belongs to."""
    named = []
    if flags.get("secret_arn") is not None:
        named.append(("--secret-arn", "existing"))
    if flags.get("db_user") is not None:
        named.append(("--db-user", "new"))
    source = flags.get("password_source")
    if source is not None:
        named.append(("--password-stdin" if source == "stdin" else "--generate-password", "new"))
    return named


def secret_mode(flags: dict[str, Any], show_password: bool) -> str | None:
    """--secret as given, or the mode that --secret-arn, --db-user or a password flag implies.

    A flag of another mode than the one given is refused naming both, as is a pair of
    flags from two modes: each was ignored silently before, and the plan used another secret.
    """
    named, chosen = _secret_flags(flags), flags.get("secret")
    if chosen is None:
        if len({mode for _, mode in named}) > 1:
            (first, one), (second, other) = named[0], next(n for n in named if n[1] != named[0][1])
            raise UsageError(
                f"{first} and {second} do not go together: {first} is for --secret {one}, "
                f"{second} for --secret {other}.",
                field=first,
            )
        chosen = named[0][1] if named else None
    elif chosen in SECRET_MODES:
        for flag, mode in named:
            if mode != chosen:
                raise UsageError(
                    f"{flag} applies only with --secret {mode}, not with --secret {chosen}.",
                    hint=f"Leave out {flag}, or pass --secret {mode}.",
                    field=flag,
                )
    if show_password and (
        chosen in ("managed", "existing") or flags.get("password_source") == "stdin"
    ):
        raise UsageError(SHOW_PASSWORD, field="--show-password")
    return chosen


def check_show_password(show_password: bool, secret: str, password_source: str) -> None:
    """After the questions: --show-password needs a generated password to show."""
    if show_password and not (secret == "new" and password_source == "generate"):
        raise UsageError(SHOW_PASSWORD, field="--show-password")
