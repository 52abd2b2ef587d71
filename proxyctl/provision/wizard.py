"""init's questions: each has a flag, a discovered default, and inline validation.

The answers come from flags first, then a --spec file, then a prompt (or the
default, when prompting is off and there is one). With prompting off and no
default, the error names the flag.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from proxyctl import validate
from proxyctl.app import Asker, Check
from proxyctl.errors import NotFoundError, UsageError
from proxyctl.model.database import Database
from proxyctl.provision.spec import BORROW_TIMEOUT_RANGE, Spec

__all__ = ["Asker", "Given", "choose_database", "fill_spec"]

POOL_FLAGS = "--max-connections-percent/--max-idle-connections-percent/--connection-borrow-timeout"
NETWORK_FLAGS = "--allow-cidr/--allow-sg/--security-group"
DATABASE_FLAGS = "--db-cluster/--db-instance"
# The flag that names each kind of database, and the kind's name in messages.
KIND_FLAGS = {
    "cluster": ("--db-cluster", "Aurora cluster"),
    "instance": ("--db-instance", "instance"),
}


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


def _wanted(given: Given) -> tuple[str | None, str | None]:
    """The kind (cluster, instance; None: either) and id the answers name, if any."""
    for kind in KIND_FLAGS:
        if given.flags.get(f"db_{kind}") is not None:
            return kind, given.flags[f"db_{kind}"]
    return None, given.base.database if given.base is not None else None


def choose_database(given: Given, databases: list[Database], ask: Asker, region: str) -> Database:
    kind, wanted = _wanted(given)
    flag = KIND_FLAGS[kind][0] if kind else DATABASE_FLAGS
    if not databases:
        raise NotFoundError(
            f"no Aurora PostgreSQL cluster or RDS PostgreSQL instance in {region}.",
            hint="Check --region and --profile.",
            field=flag,
        )
    if wanted is None:
        default = databases[0].identifier if len(databases) == 1 else None
        choices = [(db.identifier, db.label) for db in databases]
        wanted = ask.select(flag, "Database to put the proxy in front of:", choices, default)
    for db in databases:
        if db.identifier == wanted and kind in (None, db.kind):
            return db
    what = KIND_FLAGS[kind][1] if kind else "cluster or instance"
    names = ", ".join(f"{KIND_FLAGS[db.kind][0]} {db.identifier}" for db in databases)
    raise NotFoundError(
        f"{flag}: no PostgreSQL {what} {wanted!r} in {region}.",
        hint=f"PostgreSQL databases in {region}: {names}.",
        field=flag,
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
        default = "managed" if db.managed_secret_arn else None
        mode = ask.select("--secret", "Secret with the database user's password:", choices, default)
    # What belongs to another mode (from a --spec file) does not reach the Spec.
    out: dict[str, Any] = {"secret": mode, "secret_arn": None, "db_user": None}
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
            source = ask.select(
                "--password-stdin/--generate-password", "Its password:", choices, None
            )
        out["password_source"] = source
    return out


# The network answers that name who may connect: key, flag, question.
NETWORK_QUESTIONS = {
    "cidr": ("allow_cidr", "--allow-cidr", "Networks that may connect (CIDRs, comma-separated):"),
    "sg": ("allow_sg", "--allow-sg", "Client security groups (sg-..., comma-separated):"),
    "own": (
        "security_groups",
        "--security-group",
        "Security groups for the proxy (sg-..., comma-separated):",
    ),
}


def _network_answers(given: Given, db: Database, ask: Asker) -> dict[str, Any]:
    out = {k: list(given.get(k) or []) for k in ("security_groups", "allow_sg", "allow_cidr")}
    out["subnets"] = list(given.get("subnets") or [])
    if out["security_groups"] and (out["allow_sg"] or out["allow_cidr"]):
        flag = "--allow-sg" if out["allow_sg"] else "--allow-cidr"
        raise UsageError(
            f"{flag} does not apply with --security-group: proxyctl adds no rules to groups it "
            "did not create.",
            hint="Add the rule to that group yourself, or leave out --security-group and let "
            "init create the proxy's group with the rule.",
            field=flag,
        )
    if out["security_groups"] or out["allow_sg"] or out["allow_cidr"]:
        return out
    choices = list(_NETWORK_CHOICES)
    if db.vpc_cidr:
        choices.insert(0, ("vpc", f"anything in the database's VPC ({db.vpc_cidr})"))
    question = "Who may connect to the proxy on 5432?"
    choice = ask.select(NETWORK_FLAGS, question, choices, "vpc" if db.vpc_cidr else None)
    if choice == "vpc":
        out["allow_cidr"] = [db.vpc_cidr]
        return out
    key, flag, question = NETWORK_QUESTIONS[choice]
    out[key] = _split(ask.text(flag, question, "", _list_check(key, flag)))
    return out


_NETWORK_CHOICES = [
    ("cidr", "networks I list (CIDRs)"),
    ("sg", "clients in security groups I list"),
    ("own", "existing security groups for the proxy (init adds no rules to them)"),
]


def _list_check(key: str, flag: str) -> Check:
    def check(value: str) -> None:
        if not _split(value):
            raise UsageError(f"{flag}: give one at least.", field=flag)
        answers: dict[str, Any] = {key: _split(value)}
        Spec("x", "x", **answers).check()

    return check


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


POOL_KEYS = ("max_connections_percent", "max_idle_connections_percent", "connection_borrow_timeout")


def _pool_answers(given: Given, ask: Asker) -> dict[str, int]:
    """Asked only when no pool flag is given; each answer is range-checked as it is typed."""
    if any(given.get(k) is not None for k in POOL_KEYS) or not ask.confirm(
        POOL_FLAGS, "Change the connection pool settings (100%, 50% idle, 120 s)?", False
    ):
        return {}
    out: dict[str, int] = {}
    highest = (100, 100, BORROW_TIMEOUT_RANGE[1])
    for key, default, low, high in zip(POOL_KEYS, (100, 50, 120), (1, 0, 0), highest, strict=True):
        if key == "max_idle_connections_percent":
            high = out["max_connections_percent"]  # idle connections are part of the pool
            default = min(default, high)
        flag = "--" + key.replace("_", "-")
        answer = ask.text(
            flag, f"{flag[2:]} ({low}-{high}):", str(default), _whole(flag, low, high)
        )
        out[key] = int(answer.strip())
    return out


def _whole(flag: str, low: int, high: int) -> Check:
    def check(value: str) -> None:
        try:
            number = int(value.strip())
        except ValueError:
            raise UsageError(
                f"{flag}: {value!r} is not a whole number ({low} to {high}).", field=flag
            ) from None
        if not low <= number <= high:
            raise UsageError(f"{flag}: {number} is out of range: use {low} to {high}.", field=flag)

    return check


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
    answers.update(_pool_answers(given, ask))
    for f in fields(Spec):
        if f.name not in answers and given.get(f.name) is not None:
            answers[f.name] = given.get(f.name)
    return Spec(**answers).check()
