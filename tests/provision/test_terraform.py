"""export_terraform: the files parse, and every value in them is the spec's or discovery's.

Each variant is exported into tmp_path and read back with python-hcl2. References to
variables are resolved through the variables' defaults, so each check reads like what
a user looks for: "the proxy's subnets are the database's subnets".
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import hcl2
import pytest
from hcl2 import SerializationOptions

from proxyctl.errors import NotFoundError, UsageError
from proxyctl.model.database import Database
from proxyctl.model.iam import KmsKey, Secret
from proxyctl.model.network import Subnet
from proxyctl.provision.model import Discovery
from proxyctl.provision.policies import (
    SECRETS_POLICY_NAME,
    group_name,
    kms_keys_for,
    role_name,
    rule_description,
    secret_name,
    secrets_policy,
    trust_policy,
)
from proxyctl.provision.spec import Spec
from proxyctl.provision.terraform import export_terraform

REGION = "eu-west-1"
ACCOUNT = "123456789012"
KMS_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/5f0c1e7a-3b2d-4c6e-9a8f-0123456789ab"
MANAGED_SECRET = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:rds!cluster-5f0c1e7a-AbC123"
INSTANCE_SECRET = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:rds!db-77aa0c3e-XyZ789"
EXISTING_SECRET = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:orders/app-Qw3rTy"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/shared-rds-proxy"
SAMPLE_PASSWORD = "Tr0ub4dor&3-not-in-any-file"
# A string that needs every HCL escape: quote, backslash, newline, tab, ${ and %{.
TRICKY = "SET app.note = 'a \"b\" \\c ${d} %{e} $${f}'\n\tSELECT 1"
FILES = ["versions.tf", "variables.tf", "main.tf", "outputs.tf"]
OPTIONS = SerializationOptions(strip_string_quotes=True, explicit_blocks=False, with_comments=False)
RAW = SerializationOptions(explicit_blocks=False, with_comments=False)  # literals as written
# `${` or `%{` not doubled: a template sequence inside what should be literal text.
UNESCAPED = re.compile(r"(?<![$])\$\{|(?<![%])%\{")


def aurora() -> Database:
    return Database(
        identifier="orders",
        kind="cluster",
        engine="aurora-postgresql 16.4",
        status="available",
        vpc_id="vpc-0a1b2c3d4e5f60718",
        vpc_cidr="10.20.0.0/16",
        subnets=[
            Subnet("subnet-0aa1aa1aa1aa1aa11", "eu-west-1a"),
            Subnet("subnet-0bb2bb2bb2bb2bb22", "eu-west-1b"),
        ],
        security_groups=["sg-0db1db1db1db1db11", "sg-0db2db2db2db2db22"],
        iam_auth=True,
        master_username="postgres",
        managed_secret_arn=MANAGED_SECRET,
        managed_secret_kms_key=KMS_KEY,
        endpoint=f"orders.cluster-c9x8y7z6.{REGION}.rds.amazonaws.com",
    )


def rds_instance() -> Database:
    return Database(
        identifier="billing",
        kind="instance",
        engine="postgres 16.4",
        status="available",
        vpc_id="vpc-0f9e8d7c6b5a49382",
        vpc_cidr="10.30.0.0/16",
        subnets=[
            Subnet("subnet-0cc3cc3cc3cc3cc33", "eu-west-1b"),
            Subnet("subnet-0dd4dd4dd4dd4dd44", "eu-west-1c"),
        ],
        security_groups=["sg-0db3db3db3db3db33"],
        iam_auth=False,
        master_username="billing_admin",
        managed_secret_arn=INSTANCE_SECRET,
        managed_secret_kms_key=None,
        endpoint=f"billing.c9x8y7z6.{REGION}.rds.amazonaws.com",
        port=5433,  # the proxy listens on 5432; it reaches this database on 5433
    )


MANAGED = Secret(MANAGED_SECRET, "rds!cluster-5f0c1e7a", KMS_KEY)
MANAGED_KEY = KmsKey(KMS_KEY, customer_managed=True)
# An existing secret under the AWS-managed key: no kms:Decrypt statement is needed.
EXISTING = Secret(EXISTING_SECRET, "orders/app", "alias/aws/secretsmanager")
INSTANCE_MANAGED = Secret(INSTANCE_SECRET, "rds!db-77aa0c3e", None)
KEYS = {
    MANAGED_SECRET: MANAGED_KEY,
    EXISTING_SECRET: KmsKey("alias/aws/secretsmanager", customer_managed=False),
}

BASE = {
    "name": "orders-proxy",
    "database": "orders",
    "allow_sg": ["sg-0a11a11a11a11a11a", "sg-0a22a22a22a22a22a"],
    "allow_cidr": ["10.40.0.0/16", "2001:db8:40::/48"],
}
VARIANTS: dict[str, tuple[dict[str, Any], Database, Secret | None]] = {
    "aurora": ({}, aurora(), MANAGED),
    "new-secret": ({"secret": "new", "db_user": "app_rw"}, aurora(), None),
    "new-secret-instance": (
        {"secret": "new", "db_user": "billing_app", "database": "billing"},
        rds_instance(),
        None,
    ),
    "existing-secret": ({"secret": "existing", "secret_arn": EXISTING_SECRET}, aurora(), EXISTING),
    "existing-role": ({"role_arn": ROLE_ARN}, aurora(), MANAGED),
    "existing-groups": ({"security_groups": ["sg-0e55e55e55e55e55e"]}, aurora(), MANAGED),
    "instance": ({"database": "billing"}, rds_instance(), INSTANCE_MANAGED),
    "init-query": ({"init_query": TRICKY}, aurora(), MANAGED),
    "tags": (
        {"tags": {"team": "payments", "cost center": "cc-42/eu", "owner:email": "dba@example.com"}},
        aurora(),
        MANAGED,
    ),
    "tuned": (
        {
            "subnets": ["subnet-0ee5ee5ee5ee5ee55", "subnet-0ff6ff6ff6ff6ff66"],
            "require_tls": False,
            "iam_auth": "DISABLED",
            "client_password_auth": "md5",
            "idle_client_timeout": 600,
            "debug_logging": True,
            "max_connections_percent": 80,
            "max_idle_connections_percent": 20,
            "connection_borrow_timeout": 30,
            "allow_sg": [],
            "allow_cidr": ["192.168.0.0/24"],
        },
        aurora(),
        MANAGED,
    ),
}


def variant(name: str) -> tuple[Spec, Discovery]:
    changes, database, secret = VARIANTS[name]
    spec = Spec(**{**BASE, **changes}).check()
    # As discovery resolves them: the spec's subnets, else the database's. The instance
    # variant leaves them out, as a Discovery built before that field existed would.
    subnets = [Subnet(s, f"{REGION}{'ab'[i]}") for i, s in enumerate(spec.subnets)]
    return spec, Discovery(
        region=REGION,
        account=ACCOUNT,
        partition="aws",
        database=database,
        secret=secret,
        secret_key=KEYS.get(secret.arn) if secret else None,
        role=None,
        proxy_group=None,
        rules=[],
        proxy=None,
        subnets=[] if database.kind == "instance" else subnets or list(database.subnets),
    )


def proxy_subnets(spec: Spec, found: Discovery) -> list[str]:
    return [s.id for s in found.subnets] or spec.subnets or [s.id for s in found.database.subnets]


def plain(value: Any) -> Any:
    """Literal text as Terraform reads it; expressions stay as `${...}`."""
    if isinstance(value, dict):
        return {plain(key): plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    if not isinstance(value, str) or (value.startswith("${") and value.endswith("}")):
        return value
    assert not UNESCAPED.search(value), f"a template sequence in literal text: {value!r}"
    return value.replace("$${", "${").replace("%%{", "%{")


def document(expression: str) -> Any:
    """The object inside `jsonencode(...)`, with references as `${...}`."""
    prefix, suffix = "${jsonencode(", ")}"
    assert expression.startswith(prefix) and expression.endswith(suffix), expression
    inner = expression[len(prefix) : -len(suffix)]
    return plain(hcl2.loads(f"document = {inner}\n", serialization_options=OPTIONS)["document"])


def by_address(entries: list[dict[str, Any]], labels: int) -> dict[str, Any]:
    """Blocks by their address, such as "aws_db_proxy.proxy" (2 labels) or "tags" (1)."""
    found: dict[str, Any] = {}
    for entry in entries:
        items: list[tuple[tuple[str, ...], Any]] = [((key,), body) for key, body in entry.items()]
        for _ in range(labels - 1):
            items = [((*path, key), inner) for path, body in items for key, inner in body.items()]
        for path, body in items:
            address = ".".join(label.strip('"') for label in path)
            assert address not in found, f"{address} is declared twice"
            found[address] = body
    return found


@dataclass
class Exported:
    directory: Path
    written: list[Path]
    parsed: dict[str, dict[str, Any]]  # file name -> what hcl2 read
    raw: dict[str, dict[str, Any]]  # the same, with string literals as written

    @property
    def text(self) -> str:
        return "".join(path.read_text(encoding="utf-8") for path in self.directory.glob("*.tf"))

    @property
    def variables(self) -> dict[str, dict[str, Any]]:
        found = by_address(self.parsed["variables.tf"]["variable"], 1)
        return {name: plain(body) for name, body in found.items()}

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        found = by_address(self.parsed["main.tf"]["resource"], 2)
        return {address: plain(body) for address, body in found.items()}

    def resolve(self, value: Any) -> Any:
        """A `${var.NAME}` reference replaced by that variable's default."""
        match = re.fullmatch(r"\$\{var\.(\w+)\}", value) if isinstance(value, str) else None
        return self.variables[match.group(1)]["default"] if match else value


def export(name: str, directory: Path, overwrite: bool = False) -> tuple[Exported, Spec, Discovery]:
    spec, found = variant(name)
    written = export_terraform(spec, found, directory, overwrite=overwrite)
    parsed, raw = {}, {}
    for path in written:
        with path.open(encoding="utf-8") as f:
            parsed[path.name] = hcl2.load(f, serialization_options=OPTIONS)
        with path.open(encoding="utf-8") as f:
            raw[path.name] = hcl2.load(f, serialization_options=RAW)
    return Exported(directory, written, parsed, raw), spec, found


@pytest.fixture(params=list(VARIANTS))
def case(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Exported, Spec, Discovery]:
    return export(request.param, tmp_path / "stack")


Case = tuple[Exported, Spec, Discovery]


def test_writes_the_four_files_and_returns_them(case: Case) -> None:
    exported, _, _ = case
    assert exported.written == [exported.directory / name for name in FILES]
    assert sorted(p.name for p in exported.directory.iterdir()) == sorted(FILES)


def test_pins_terraform_and_the_aws_provider(case: Case) -> None:
    exported, _, found = case
    versions = exported.parsed["versions.tf"]
    assert plain(versions["terraform"]) == [
        {
            "required_version": ">= 1.5",
            "required_providers": [{"aws": {"source": "hashicorp/aws", "version": "~> 5.0"}}],
        }
    ]
    assert versions["provider"] == [{"aws": {"region": "${var.region}"}}]
    assert exported.resolve("${var.region}") == found.region


def test_variables_default_to_the_spec_and_discovery(case: Case) -> None:
    exported, spec, found = case
    db = found.database
    expected: dict[str, tuple[str, Any]] = {
        "region": ("string", found.region),
        "proxy_name": ("string", spec.name),
        "db_identifier": ("string", db.identifier),
        "subnet_ids": ("${list(string)}", proxy_subnets(spec, found)),
        "tags": ("${map(string)}", spec.all_tags()),
    }
    if spec.secret != "new":
        assert found.secret is not None
        expected["secret_arn"] = ("string", found.secret.arn)
    if spec.role_arn:
        expected["role_arn"] = ("string", spec.role_arn)
    if spec.security_groups:
        expected["security_group_ids"] = ("${list(string)}", spec.security_groups)
    else:
        expected["vpc_id"] = ("string", db.vpc_id)
        expected["db_security_group_ids"] = ("${list(string)}", db.security_groups)
        expected["allowed_security_group_ids"] = ("${list(string)}", spec.allow_sg)
        expected["allowed_cidr_blocks"] = ("${list(string)}", spec.allow_cidr)
    variables = exported.variables
    password = variables.pop("db_password", None)
    assert {name: (v["type"], v["default"]) for name, v in variables.items()} == expected
    assert all(v["description"].strip() for v in exported.variables.values())
    if spec.secret == "new":
        assert password is not None
        assert password["type"] == "string" and password["sensitive"] is True
        assert "default" not in password
    else:
        assert password is None


def test_tags_reach_every_taggable_resource(case: Case) -> None:
    exported, spec, _ = case
    assert exported.variables["tags"]["default"] == spec.all_tags()
    made = {
        "aws_secretsmanager_secret.proxy": spec.secret == "new",
        "aws_iam_role.proxy": spec.role_arn is None,
        "aws_security_group.proxy": not spec.security_groups,
        "aws_db_proxy.proxy": True,
    }
    tagged = {address for address, body in exported.resources.items() if "tags" in body}
    assert tagged == {address for address, made_here in made.items() if made_here}
    assert all(exported.resources[address]["tags"] == "${var.tags}" for address in tagged)


def test_secret(case: Case) -> None:
    exported, spec, found = case
    resources = exported.resources
    auth = resources["aws_db_proxy.proxy"]["auth"]
    if spec.secret != "new":
        assert "aws_secretsmanager_secret.proxy" not in resources
        assert "aws_secretsmanager_secret_version.proxy" not in resources
        assert found.secret is not None
        assert exported.resolve(auth[0]["secret_arn"]) == found.secret.arn
        return
    assert resources["aws_secretsmanager_secret.proxy"] == {
        "name": secret_name(spec),
        "description": f"RDS Proxy {spec.name}: credentials of {spec.db_user}",
        "tags": "${var.tags}",
    }
    version = resources["aws_secretsmanager_secret_version.proxy"]
    assert version["secret_id"] == "${aws_secretsmanager_secret.proxy.id}"
    db = found.database
    fields = document(version["secret_string"])
    identifier = "dbClusterIdentifier" if db.kind == "cluster" else "dbInstanceIdentifier"
    assert exported.resolve(fields.pop(identifier)) == db.identifier
    # What init stores in the secret, the password from a variable that has no default.
    assert fields == {
        "username": spec.db_user,
        "password": "${var.db_password}",
        "engine": "postgres",
        "host": db.endpoint,
        "port": db.port,
    }
    assert auth[0]["secret_arn"] == "${aws_secretsmanager_secret.proxy.arn}"


def test_no_password_reaches_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Where a password could be lying around when init --export-terraform runs.
    monkeypatch.setenv("PGPASSWORD", SAMPLE_PASSWORD)
    monkeypatch.setenv("TF_VAR_db_password", SAMPLE_PASSWORD)
    exported, spec, _ = export("new-secret", tmp_path)
    assert spec.secret == "new"
    assert SAMPLE_PASSWORD not in exported.text
    assert "default" not in exported.variables["db_password"]


def test_role_trusts_rds_and_reads_only_the_secret(case: Case) -> None:
    exported, spec, found = case
    resources = exported.resources
    proxy = resources["aws_db_proxy.proxy"]
    if spec.role_arn is not None:
        assert "aws_iam_role.proxy" not in resources
        assert "aws_iam_role_policy.secrets" not in resources
        assert exported.resolve(proxy["role_arn"]) == spec.role_arn
        return
    role = resources["aws_iam_role.proxy"]
    assert role["name"] == role_name(spec)
    assert role["description"] == f"Lets RDS Proxy {spec.name} read its secrets"
    assert document(role["assume_role_policy"]) == trust_policy()
    policy = resources["aws_iam_role_policy.secrets"]
    assert policy["name"] == SECRETS_POLICY_NAME
    assert policy["role"] == "${aws_iam_role.proxy.id}"
    secret = (
        "${aws_secretsmanager_secret.proxy.arn}" if spec.secret == "new" else "${var.secret_arn}"
    )
    assert document(policy["policy"]) == secrets_policy(
        [secret], kms_keys_for(found.secret_key), REGION
    )
    assert proxy["role_arn"] == "${aws_iam_role.proxy.arn}"


def test_kms_decrypt_only_for_a_customer_managed_key(tmp_path: Path) -> None:
    managed, _, _ = export("aurora", tmp_path / "managed")
    existing, _, _ = export("existing-secret", tmp_path / "existing")
    statements = document(managed.resources["aws_iam_role_policy.secrets"]["policy"])["Statement"]
    assert statements[1]["Action"] == "kms:Decrypt"
    assert statements[1]["Resource"] == [KMS_KEY]
    assert statements[1]["Condition"] == {
        "StringEquals": {"kms:ViaService": f"secretsmanager.{REGION}.amazonaws.com"}
    }
    statements = document(existing.resources["aws_iam_role_policy.secrets"]["policy"])["Statement"]
    assert [s["Action"] for s in statements] == ["secretsmanager:GetSecretValue"]


def test_security_groups(case: Case) -> None:
    exported, spec, found = case
    resources = exported.resources
    proxy = resources["aws_db_proxy.proxy"]
    rules = {
        a: b for a, b in resources.items() if a.startswith("aws_vpc_security_group_ingress_rule.")
    }
    if spec.security_groups:
        assert "aws_security_group.proxy" not in resources and rules == {}
        assert exported.resolve(proxy["vpc_security_group_ids"]) == spec.security_groups
        return
    group = resources["aws_security_group.proxy"]
    assert group["name"] == group_name(spec)
    assert exported.resolve(group["vpc_id"]) == found.database.vpc_id
    assert proxy["vpc_security_group_ids"] == ["${aws_security_group.proxy.id}"]
    tcp = {"ip_protocol": "tcp", "from_port": 5432, "to_port": 5432}
    v6 = 'strcontains(each.value, ":")'
    assert rules == {
        "aws_vpc_security_group_ingress_rule.clients_by_group": {
            "for_each": "${toset(var.allowed_security_group_ids)}",
            "security_group_id": "${aws_security_group.proxy.id}",
            "description": rule_description(spec),
            "referenced_security_group_id": "${each.value}",
            **tcp,
        },
        "aws_vpc_security_group_ingress_rule.clients_by_cidr": {
            "for_each": "${toset(var.allowed_cidr_blocks)}",
            "security_group_id": "${aws_security_group.proxy.id}",
            "description": rule_description(spec),
            "cidr_ipv4": f"${{{v6} ? null : each.value}}",
            "cidr_ipv6": f"${{{v6} ? each.value : null}}",
            **tcp,
        },
        "aws_vpc_security_group_ingress_rule.database_from_proxy": {
            "for_each": "${toset(var.db_security_group_ids)}",
            "security_group_id": "${each.value}",
            "referenced_security_group_id": "${aws_security_group.proxy.id}",
            "description": rule_description(spec),
            "ip_protocol": "tcp",
            "from_port": found.database.port,
            "to_port": found.database.port,
        },
    }


def test_proxy_settings(case: Case) -> None:
    exported, spec, found = case
    proxy = dict(exported.resources["aws_db_proxy.proxy"])
    assert exported.resolve(proxy.pop("name")) == spec.name
    assert exported.resolve(proxy.pop("vpc_subnet_ids")) == (proxy_subnets(spec, found))
    for key in ("role_arn", "vpc_security_group_ids", "depends_on"):  # checked with their resources
        proxy.pop(key, None)
    auth = proxy.pop("auth")
    assert len(auth) == 1
    assert {k: v for k, v in auth[0].items() if k != "secret_arn"} == {
        "auth_scheme": "SECRETS",
        "description": f"proxyctl {spec.name}",
        "iam_auth": spec.iam_auth,
        "client_password_auth_type": spec.client_auth_type,
    }
    assert proxy == {
        "engine_family": "POSTGRESQL",
        "require_tls": spec.require_tls,
        "idle_client_timeout": spec.idle_client_timeout,
        "debug_logging": spec.debug_logging,
        "tags": "${var.tags}",
    }


def test_proxy_waits_for_what_it_reads_its_secret_with(case: Case) -> None:
    exported, spec, _ = case
    expected = []
    if spec.role_arn is None:
        expected.append("${aws_iam_role_policy.secrets}")
    if spec.secret == "new":
        expected.append("${aws_secretsmanager_secret_version.proxy}")
    assert exported.resources["aws_db_proxy.proxy"].get("depends_on", []) == expected


def test_pool_and_target(case: Case) -> None:
    exported, spec, found = case
    resources = exported.resources
    pool: dict[str, Any] = {
        "max_connections_percent": spec.max_connections_percent,
        "max_idle_connections_percent": spec.max_idle_connections_percent,
        "connection_borrow_timeout": spec.connection_borrow_timeout,
    }
    if spec.init_query is not None:
        pool["init_query"] = spec.init_query
    assert resources["aws_db_proxy_default_target_group.proxy"] == {
        "db_proxy_name": "${aws_db_proxy.proxy.name}",
        "connection_pool_config": [pool],
    }
    target = dict(resources["aws_db_proxy_target.database"])
    identifier = f"db_{found.database.kind}_identifier"
    assert exported.resolve(target.pop(identifier)) == found.database.identifier
    assert target == {
        "db_proxy_name": "${aws_db_proxy.proxy.name}",
        "target_group_name": "default",
        "depends_on": ["${aws_db_proxy_default_target_group.proxy}"],
    }


def test_outputs(case: Case) -> None:
    exported, _, _ = case
    outputs = {
        name: body for o in exported.parsed["outputs.tf"]["output"] for name, body in o.items()
    }
    assert {name: body["value"] for name, body in outputs.items()} == {
        "endpoint": "${aws_db_proxy.proxy.endpoint}",
        "proxy_arn": "${aws_db_proxy.proxy.arn}",
    }
    assert all(body["description"] for body in outputs.values())


def test_instance_is_registered_as_an_instance(tmp_path: Path) -> None:
    exported, _, _ = export("instance", tmp_path)
    target = exported.resources["aws_db_proxy_target.database"]
    assert target["db_instance_identifier"] == "${var.db_identifier}"
    assert "db_cluster_identifier" not in target
    assert exported.variables["db_identifier"]["default"] == "billing"


def test_rewrites_its_own_files_and_leaves_the_others(tmp_path: Path) -> None:
    directory = tmp_path / "infra" / "proxy"
    directory.mkdir(parents=True)
    (directory / "main.tf").write_text("# stale\n", encoding="utf-8")
    (directory / "outputs.tf").write_text("not even HCL {{{\n", encoding="utf-8")
    keep = {
        "backend.tf": 'terraform {\n  backend "s3" {}\n}\n',
        "terraform.tfvars": 'region = "eu-west-1"\n',
    }
    for name, text in keep.items():
        (directory / name).write_text(text, encoding="utf-8")
    with pytest.raises(UsageError, match=r"outputs\.tf exist; pass --force to overwrite\.$"):
        export("aurora", directory)  # without consent nothing is replaced
    assert (directory / "main.tf").read_text(encoding="utf-8") == "# stale\n"
    assert sorted(os.listdir(directory)) == sorted(["main.tf", "outputs.tf", *keep])
    exported, _, _ = export("aurora", directory, overwrite=True)
    assert "aws_db_proxy.proxy" in exported.resources
    assert "# stale" not in (directory / "main.tf").read_text(encoding="utf-8")
    assert all(
        (directory / name).read_text(encoding="utf-8") == text for name, text in keep.items()
    )


def test_creates_a_missing_directory(tmp_path: Path) -> None:
    exported, _, _ = export("aurora", tmp_path / "a" / "b")
    assert all(path.is_file() for path in exported.written)


def test_a_missing_secret_is_an_error_and_writes_nothing(tmp_path: Path) -> None:
    spec, found = variant("aurora")
    found = replace(found, secret=None)
    with pytest.raises(NotFoundError) as raised:
        export_terraform(spec, found, tmp_path / "stack")
    assert raised.value.field == "--secret"
    assert not (tmp_path / "stack").exists()


def _terraform(
    args: list[str], cwd: Path, home: Path, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    config = home / "terraformrc"
    config.touch()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "TF_CLI_CONFIG_FILE": str(config),
        "CHECKPOINT_DISABLE": "1",
    }
    return subprocess.run(
        ["terraform", *args],
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_terraform_fmt_accepts_the_files_and_reads_strings_back(tmp_path: Path) -> None:
    if shutil.which("terraform") is None:
        pytest.skip("terraform is not on PATH: install it to check formatting")
    stacks = tmp_path / "stacks"
    for name in VARIANTS:
        export(name, stacks / name)
    result = _terraform(["fmt", "-check", "-diff", "-recursive", str(stacks)], tmp_path, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    # Terraform's own reading of a string with every escape, exactly as written in main.tf.
    exported, spec, _ = export("init-query", tmp_path / "init")
    groups = by_address(exported.raw["main.tf"]["resource"], 2)
    literal = groups["aws_db_proxy_default_target_group.proxy"]["connection_pool_config"][0]
    console = tmp_path / "console"
    console.mkdir()
    stdin = f"base64encode({literal['init_query']})\n"
    result = _terraform(["console"], console, tmp_path, stdin=stdin)
    assert result.returncode == 0, result.stderr
    assert base64.b64decode(result.stdout.strip().strip('"')).decode() == spec.init_query == TRICKY


def test_the_proxy_group_sends_only_to_the_databases_port(case: Case) -> None:
    exported, spec, found = case
    egress = {
        a: b for a, b in exported.resources.items() if a.startswith("aws_vpc_security_group_egress")
    }
    if spec.security_groups:
        assert egress == {}
        return
    assert egress == {
        "aws_vpc_security_group_egress_rule.proxy_to_database": {
            "for_each": "${toset(var.db_security_group_ids)}",
            "security_group_id": "${aws_security_group.proxy.id}",
            "referenced_security_group_id": "${each.value}",
            "description": rule_description(spec),
            "ip_protocol": "tcp",
            "from_port": found.database.port,
            "to_port": found.database.port,
        }
    }
