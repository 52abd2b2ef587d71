"""init's flags that belong to one choice: given alone they make it; with another, refused.

Pure: run on the flags before any question or AWS call, so nothing typed is lost.
"""

from __future__ import annotations

from typing import Any

from proxyctl import validate
from proxyctl.errors import UsageError
from proxyctl.provision.init import SHOW_PASSWORD
from proxyctl.provision.spec import SECRET_MODES, Spec, parse_tags

# Flags that choose the database, not settings of the proxy.
SELECTORS = ("db_cluster", "db_instance")


def precheck(flags: dict[str, Any]) -> dict[str, Any]:
    """Range and format checks on the flags alone, before any AWS call."""
    flags = dict(flags)
    if flags.get("db_cluster") is not None and flags.get("db_instance") is not None:
        raise UsageError(
            "--db-cluster and --db-instance: give one (the database the proxy fronts).",
            field="--db-cluster",
        )
    if flags.get("tags") is not None:
        flags["tags"] = parse_tags(flags["tags"])
    skip = ("secret", "secret_arn", *SELECTORS)
    probe = {k: v for k, v in flags.items() if v is not None and k not in skip}
    probe.setdefault("name", "placeholder")
    probe["database"] = "placeholder"
    Spec(**probe).check()
    if flags.get("db_user") is not None:  # checked by Spec only with --secret new
        validate.iam_db_user(flags["db_user"], field="--db-user")
    return flags


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
