"""init's questions: each has a flag, a discovered default, and inline validation.

The answers come from flags first, then a --spec file, then a prompt (or the
default, when prompting is off and there is one). With prompting off and no
default, the error names the flag.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, Protocol

from proxyctl import validate
from proxyctl.cli.prompts import inline_check
from proxyctl.config import Settings
from proxyctl.errors import NotFoundError, UsageError
from proxyctl.provision.model import Database
from proxyctl.provision.spec import Spec

Check = Callable[[str], object]
POOL_FLAGS = "--max-connections-percent/--max-idle-connections-percent/--connection-borrow-timeout"


class Asker(Protocol):
    def select(
        self, flag: str, question: str, choices: list[tuple[str, str]], default: str
    ) -> str: ...
    def text(self, flag: str, question: str, default: str, check: Check) -> str: ...
    def confirm(self, flag: str, question: str, default: bool) -> bool: ...
    def password(self, flag: str, question: str) -> str: ...


class Prompter:
    """Questions on the terminal (questionary); Ctrl-C raises KeyboardInterrupt."""

    def select(self, flag: str, question: str, choices: list[tuple[str, str]], default: str) -> str:
        import questionary

        options = [questionary.Choice(title=label, value=value) for value, label in choices]
        return str(questionary.select(question, choices=options, default=default).unsafe_ask())

    def text(self, flag: str, question: str, default: str, check: Check) -> str:
        import questionary

        return str(
            questionary.text(question, default=default, validate=inline_check(check)).unsafe_ask()
        )

    def confirm(self, flag: str, question: str, default: bool) -> bool:
        import questionary

        return bool(questionary.confirm(question, default=default).unsafe_ask())

    def password(self, flag: str, question: str) -> str:
        import questionary

        first = questionary.password(question, validate=inline_check(_not_empty)).unsafe_ask()
        again = questionary.password("Repeat it:").unsafe_ask()
        if first != again:
            raise UsageError(f"{flag}: the two passwords differ.", field=flag)
        return str(first)


def _not_empty(value: str) -> None:
    if not value:
        raise UsageError("the password is empty.")


class Defaults:
    """Prompting is off: take the default, or fail naming the flag when there is none."""

    def __init__(self, why: str) -> None:
        self.why = why

    def _missing(self, flag: str, question: str) -> UsageError:
        return UsageError(
            f"{flag} is required: {question.rstrip(':?')}.",
            hint=f"Pass {flag} (prompts are off: {self.why}).",
            field=flag,
        )

    def select(self, flag: str, question: str, choices: list[tuple[str, str]], default: str) -> str:
        if default:
            return default
        raise self._missing(flag, question)

    def text(self, flag: str, question: str, default: str, check: Check) -> str:
        if default:
            return default
        raise self._missing(flag, question)

    def confirm(self, flag: str, question: str, default: bool) -> bool:
        return default

    def password(self, flag: str, question: str) -> str:
        raise self._missing(flag, question)


def make_asker(settings: Settings) -> Asker:
    if settings.no_input:
        return Defaults(settings.prompts_off_because)
    return Prompter()


@dataclass
class Given:
    """The answers from flags (None: not given) and from a --spec file."""

    flags: dict[str, Any]
    base: Spec | None

    def get(self, key: str) -> Any:
        if self.flags.get(key) is not None:
            return self.flags[key]
        if self.base is not None:
            return getattr(self.base, key)
        return None

    def has(self, key: str) -> bool:
        return self.flags.get(key) is not None or self.base is not None


def choose_database(given: Given, databases: list[Database], ask: Asker, region: str) -> Database:
    if not databases:
        raise NotFoundError(
            f"no Aurora PostgreSQL cluster or RDS PostgreSQL instance in {region}.",
            hint="Check --region and --profile.",
            field="--database",
        )
    wanted = given.get("database")
    if wanted is None:
        default = databases[0].identifier if len(databases) == 1 else ""
        choices = [(db.identifier, db.label) for db in databases]
        wanted = ask.select(
            "--database", "Database to put the proxy in front of:", choices, default
        )
    for db in databases:
        if db.identifier == wanted:
            return db
    names = ", ".join(db.identifier for db in databases)
    raise NotFoundError(
        f"--database: no PostgreSQL cluster or instance {wanted!r} in {region}.",
        hint=f"PostgreSQL databases in {region}: {names}.",
        field="--database",
    )


def _default_name(db: Database) -> str:
    base = db.identifier[: 63 - len("-proxy")]
    name = f"{base}-proxy"
    return name if name[0].isalpha() else f"p{name}"[:63]


def _secret_answers(given: Given, db: Database, ask: Asker) -> dict[str, Any]:
    mode = given.get("secret")
    if mode is None:
        choices = [("existing", "an existing secret"), ("new", "a new secret")]
        if db.managed_secret_arn:
            choices.insert(0, ("managed", "the database's RDS-managed master secret"))
        default = "managed" if db.managed_secret_arn else ""
        mode = ask.select("--secret", "Secret with the database user's password:", choices, default)
    out: dict[str, Any] = {"secret": mode}
    if mode == "existing":
        out["secret_arn"] = given.get("secret_arn") or ask.text(
            "--secret-arn", "Secret ARN:", "", lambda v: Spec("x", "x", "existing", v).check()
        )
    if mode == "new":
        out["db_user"] = given.get("db_user") or ask.text(
            "--db-user", "Database user the proxy logs in as:", db.master_username, validate.db_user
        )
        source = given.get("password_source")
        if source is None:
            choices = [("prompt", "type it (hidden)"), ("generate", "generate one")]
            source = ask.select("--password-stdin", "Its password:", choices, "")
        out["password_source"] = source
    return out


def _network_answers(given: Given, db: Database, ask: Asker) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("security_groups", "allow_sg", "allow_cidr", "subnets"):
        out[key] = list(given.get(key) or [])
    if not out["security_groups"] and not out["allow_sg"] and not out["allow_cidr"]:
        default = db.vpc_cidr or ""
        answer = ask.text(
            "--allow-cidr",
            "Clients allowed to reach the proxy on 5432 (CIDRs, comma-separated):",
            default,
            lambda v: Spec("x", "x", allow_cidr=_split(v)).check(),
        )
        out["allow_cidr"] = _split(answer)
    return out


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def fill_spec(given: Given, db: Database, ask: Asker) -> Spec:
    """The complete, checked Spec: flags, then the spec file, then questions or defaults."""
    answers: dict[str, Any] = {"database": db.identifier}
    answers["name"] = given.get("name") or ask.text(
        "--name", "Proxy name:", _default_name(db), lambda v: validate.proxy_name(v, "--name")
    )
    answers.update(_secret_answers(given, db, ask))
    if given.get("iam_auth") is None:
        choices = [("REQUIRED", "required (clients sign in with IAM tokens)"), ("DISABLED", "off")]
        answers["iam_auth"] = ask.select("--iam-auth", "IAM authentication:", choices, "REQUIRED")
    answers.update(_network_answers(given, db, ask))
    pool_keys = (
        "max_connections_percent",
        "max_idle_connections_percent",
        "connection_borrow_timeout",
    )
    # Answered by giving any of the three pool flags.
    if not any(given.get(k) is not None for k in pool_keys) and ask.confirm(
        POOL_FLAGS, "Change the connection pool settings (100%, 50% idle, 120 s)?", False
    ):
        for key, default in zip(pool_keys, (100, 50, 120), strict=True):
            flag = "--" + key.replace("_", "-")
            answers[key] = int(ask.text(flag, f"{flag[2:]}:", str(default), _integer(flag)))
    for f in fields(Spec):
        if f.name not in answers and given.get(f.name) is not None:
            answers[f.name] = given.get(f.name)
    return Spec(**answers).check()


def _integer(flag: str) -> Check:
    def check(value: str) -> None:
        if not value.strip().isdigit():
            raise UsageError(f"{flag}: {value!r} is not a whole number.", field=flag)

    return check
