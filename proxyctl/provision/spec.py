"""The answers to `proxyctl init`, validated: a Spec that round-trips through TOML.

A Spec holds what the user chose, never a password. Every check here runs
before any AWS call, and each error names the flag (or the spec key) to fix.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from proxyctl import validate
from proxyctl.errors import UsageError

SPEC_VERSION = 1
SECRET_MODES = ("managed", "existing", "new")
IAM_AUTH = ("REQUIRED", "DISABLED")
CLIENT_AUTH = {"scram": "POSTGRES_SCRAM_SHA_256", "md5": "POSTGRES_MD5"}
PASSWORD_SOURCES = ("prompt", "stdin", "generate")
# Limits from the RDS API (see FACTS.md).
IDLE_TIMEOUT_RANGE = (1, 28800)
BORROW_TIMEOUT_RANGE = (0, 300)
_SG_ID = re.compile(r"^sg-[0-9a-f]{8,17}$")
_SUBNET_ID = re.compile(r"^subnet-[0-9a-f]{8,17}$")
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
_SECRET_ARN = re.compile(r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$")
_TAG_KEY = re.compile(r"^(?!aws:)[\w .:/=+\-@]{1,128}$")
RESERVED_TAG_PREFIX = "proxyctl:"


@dataclass
class Spec:
    """What to build. Field names are the TOML keys; the flags are --field-name."""

    name: str
    database: str
    secret: str = "managed"  # managed | existing | new
    secret_arn: str | None = None  # with secret = "existing"
    db_user: str | None = None  # with secret = "new"
    password_source: str = "prompt"  # with secret = "new": prompt | stdin | generate
    role_arn: str | None = None  # an existing role; else one is created
    security_groups: list[str] = field(default_factory=list)  # existing; else one is created
    allow_sg: list[str] = field(default_factory=list)
    allow_cidr: list[str] = field(default_factory=list)
    subnets: list[str] = field(default_factory=list)  # empty: the database's
    require_tls: bool = True
    iam_auth: str = "REQUIRED"
    client_password_auth: str = "scram"
    idle_client_timeout: int = 1800
    debug_logging: bool = False
    max_connections_percent: int = 100
    max_idle_connections_percent: int = 50
    connection_borrow_timeout: int = 120
    init_query: str | None = None
    tags: dict[str, str] = field(default_factory=dict)

    def check(self) -> Spec:
        """Every rule that needs no AWS call; raises UsageError naming the flag."""
        validate.proxy_name(self.name, field="--name")
        _check_choice("--secret", self.secret, SECRET_MODES)
        _check_choice("--iam-auth", self.iam_auth, IAM_AUTH)
        _check_choice("--client-password-auth", self.client_password_auth, tuple(CLIENT_AUTH))
        _check_choice("--password-source", self.password_source, PASSWORD_SOURCES)
        self._check_secret()
        self._check_network()
        self._check_pool()
        _check_range("--idle-client-timeout", self.idle_client_timeout, IDLE_TIMEOUT_RANGE)
        for key, value in self.tags.items():
            _check_tag(key, value)
        if self.iam_auth == "REQUIRED" and not self.require_tls:
            raise UsageError(
                "--no-require-tls: IAM authentication needs TLS.",
                hint="Keep TLS required, or pass --iam-auth DISABLED.",
                field="--require-tls",
            )
        return self

    def _check_secret(self) -> None:
        if self.secret == "existing" and not _SECRET_ARN.match(self.secret_arn or ""):
            raise UsageError(
                f"--secret-arn: {self.secret_arn!r} is not a Secrets Manager secret ARN.",
                hint="Give arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME.",
                field="--secret-arn",
            )
        if self.secret == "new":
            if not self.db_user:
                raise UsageError("--db-user is required with --secret new.", field="--db-user")
            validate.iam_db_user(self.db_user, field="--db-user")
        if self.role_arn is not None and not _ROLE_ARN.match(self.role_arn):
            raise UsageError(
                f"--role-arn: {self.role_arn!r} is not an IAM role ARN.",
                hint="Give arn:aws:iam::ACCOUNT:role/NAME.",
                field="--role-arn",
            )

    def _check_network(self) -> None:
        for flag, ids in (
            ("--security-group", self.security_groups),
            ("--allow-sg", self.allow_sg),
        ):
            for sg in ids:
                if not _SG_ID.match(sg):
                    raise UsageError(
                        f"{flag}: {sg!r} is not a security group id (sg-...).", field=flag
                    )
        for subnet in self.subnets:
            if not _SUBNET_ID.match(subnet):
                raise UsageError(f"--subnet: {subnet!r} is not a subnet id.", field="--subnet")
        for cidr in self.allow_cidr:
            try:
                ipaddress.ip_network(cidr, strict=True)
            except ValueError as exc:
                raise UsageError(
                    f"--allow-cidr: {cidr!r} is not a CIDR block ({exc}).",
                    hint="Give a network such as 10.0.0.0/16.",
                    field="--allow-cidr",
                ) from None

    def _check_pool(self) -> None:
        _check_range("--max-connections-percent", self.max_connections_percent, (1, 100))
        _check_range(
            "--max-idle-connections-percent",
            self.max_idle_connections_percent,
            (0, self.max_connections_percent),
        )
        _check_range(
            "--connection-borrow-timeout", self.connection_borrow_timeout, BORROW_TIMEOUT_RANGE
        )
        if self.init_query is not None and not self.init_query.strip():
            raise UsageError("--init-query is empty.", field="--init-query")

    def risks(self, vpc_cidr: str | None = None) -> list[str]:
        """The choices that weaken the proxy's security, each said in the flag's words.

        A range inside the VPC's own CIDR, or inside a private range, is not a risk.
        """
        out = [_cidr_risk(cidr, vpc_cidr) for cidr in self.allow_cidr]
        if not self.require_tls:
            out.append(
                "--no-require-tls: clients may connect without TLS, sending passwords and data "
                "in clear."
            )
        if self.iam_auth == "DISABLED":
            out.append(
                "--iam-auth DISABLED: clients sign in with database passwords instead of "
                "15-minute IAM tokens."
            )
        if self.client_password_auth == "md5":
            out.append(
                "--client-password-auth md5: MD5 password hashes are weak; SCRAM is the default."
            )
        return [risk for risk in out if risk]

    @property
    def client_auth_type(self) -> str:
        return CLIENT_AUTH[self.client_password_auth]

    def all_tags(self) -> dict[str, str]:
        """The user's tags and the two that let `destroy` find what `init` made."""
        return {**self.tags, "proxyctl:managed": "true", "proxyctl:stack": self.name}


# RFC 1918, the shared range VPCs may use as a secondary CIDR, and IPv6 unique-local.
PRIVATE_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")


def _cidr_risk(cidr: str, vpc_cidr: str | None) -> str:
    network = ipaddress.ip_network(cidr, strict=False)
    if network.prefixlen == 0:
        return f"--allow-cidr {cidr} lets every address reach the proxy on 5432."
    inside = [*PRIVATE_RANGES, *([vpc_cidr] if vpc_cidr else [])]
    for wider in map(ipaddress.ip_network, inside):
        if network.version == wider.version and network.subnet_of(wider):  # type: ignore[arg-type]
            return ""
    # An IPv6 VPC's ranges are global addresses: only /0 is said for IPv6.
    if network.version == 6:
        return ""
    return f"--allow-cidr {cidr} includes addresses outside private networks."


def _check_choice(flag: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise UsageError(f"{flag}: {value!r} is not one of {', '.join(choices)}.", field=flag)


def _check_range(flag: str, value: int, bounds: tuple[int, int]) -> None:
    low, high = bounds
    if not low <= value <= high:
        raise UsageError(f"{flag}: {value} is out of range: use {low} to {high}.", field=flag)


def _check_tag(key: str, value: str) -> None:
    if key.startswith(RESERVED_TAG_PREFIX) or not _TAG_KEY.match(key):
        raise UsageError(
            f"--tag: {key!r} is not a tag key proxyctl can set.",
            hint="Keys have 1-128 letters, digits, spaces or _.:/=+-@, and do not start with "
            "aws: or proxyctl:.",
            field="--tag",
        )
    if len(value) > 256:
        raise UsageError(f"--tag: the value of {key!r} is over 256 characters.", field="--tag")


def parse_tags(pairs: list[str]) -> dict[str, str]:
    tags: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"--tag: {pair!r} is not KEY=VALUE.", field="--tag")
        tags[key] = value
    return tags


# --- TOML --------------------------------------------------------------------


def to_toml(spec: Spec) -> str:
    import tomli_w

    data: dict[str, Any] = {"version": SPEC_VERSION}
    for f in dataclasses.fields(spec):
        value = getattr(spec, f.name)
        if value is None:
            continue  # TOML has no null: an absent key means the default
        data[f.name] = value
    return tomli_w.dumps(data)


def from_toml(text: str, source: str) -> Spec:
    """A Spec from TOML text; errors name the file and the key."""
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{source} is not valid TOML: {exc}", field="--spec") from None
    version = data.pop("version", SPEC_VERSION)
    if version != SPEC_VERSION:
        raise UsageError(
            f"{source}: spec version {version} is not supported (this proxyctl reads "
            f"{SPEC_VERSION}).",
            field="--spec",
        )
    known = {f.name: f for f in dataclasses.fields(Spec)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise UsageError(
            f"{source}: unknown key {unknown[0]!r}.",
            hint="Known keys: " + ", ".join(known) + ".",
            field=unknown[0],
        )
    for key in ("name", "database"):
        if key not in data:
            raise UsageError(f"{source}: {key} is missing.", field=key)
    for key, value in data.items():
        _check_type(source, key, value, known[key].default, known[key].default_factory)
    return Spec(**data)


def _check_type(source: str, key: str, value: Any, default: Any, factory: Any) -> None:
    sample = factory() if factory is not dataclasses.MISSING else default
    if sample is None or sample is dataclasses.MISSING:
        expected: type = str
    else:
        expected = type(sample)
    # bool is an int to Python, not to a spec reader
    ok = isinstance(value, expected) and not (expected is int and isinstance(value, bool))
    if ok and expected is list:
        ok = all(isinstance(item, str) for item in value)
    if ok and expected is dict:
        ok = all(isinstance(v, str) for v in value.values())
    if not ok:
        raise UsageError(
            f"{source}: {key} should be {expected.__name__}, not {type(value).__name__}.",
            field=key,
        )


def read_spec(path: Path) -> Spec:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--spec: cannot read {path}: {exc.strerror}.", field="--spec") from None
    return from_toml(text, str(path))
