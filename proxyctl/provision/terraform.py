"""`init --export-terraform`: the stack `init` builds, as a Terraform configuration.

Names, tags and IAM documents come from `policies` and the Spec, as they do for
`init`, so the two cannot drift apart. A small emitter writes the HCL, laid out as
`terraform fmt` would. No password is ever written: a new secret's password is a
sensitive variable without a default.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from proxyctl.errors import NotFoundError
from proxyctl.provision.hcl import Block, Call, Nested, Ref, render, resource
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

PROXY_PORT = 5432  # an RDS Proxy for PostgreSQL always listens on 5432
AWS_PROVIDER = {"source": "hashicorp/aws", "version": "~> 5.0"}
TERRAFORM_VERSION = ">= 1.5"  # strcontains() in the CIDR rules
FILES = ("versions.tf", "variables.tf", "main.tf", "outputs.tf")


TAGS = Ref("var.tags")


_DESCRIPTIONS = {
    "region": "AWS region of the database and the proxy.",
    "proxy_name": "Name of the RDS Proxy.",
    "db_identifier": "The Aurora cluster or RDS instance the proxy serves.",
    "subnet_ids": "Subnets of the proxy: at least 2, in different AZs of the database's VPC.",
    "secret_arn": "Secrets Manager secret with the database user's credentials.",
    "db_password": "Password of the database user, for the new secret (never in a file).",
    "role_arn": "IAM role the proxy reads its secret with.",
    "security_group_ids": "Security groups of the proxy.",
    "vpc_id": "VPC of the database, for the proxy's security group.",
    "db_security_group_ids": "Database security groups that admit the proxy.",
    "allowed_security_group_ids": f"Security groups allowed to the proxy on port {PROXY_PORT}.",
    "allowed_cidr_blocks": f"CIDR blocks (IPv4 or IPv6) allowed to the proxy on port {PROXY_PORT}.",
    "tags": "Tags on every resource that takes tags.",
}


def _versions() -> list[Block]:
    terraform = {
        "required_version": TERRAFORM_VERSION,
        "required_providers": Nested(aws=AWS_PROVIDER),
    }
    return [
        Block(("terraform",), terraform),
        Block(("provider", "aws"), {"region": Ref("var.region")}),
    ]


def _variable(name: str, default: Any) -> Block:
    kind = "map(string)" if isinstance(default, dict) else "string"
    kind = "list(string)" if isinstance(default, list) else kind
    body = {"description": _DESCRIPTIONS[name], "type": Ref(kind)}
    # None is the password: no default (Terraform asks, or reads TF_VAR_db_password), and
    # sensitive, so that plans and outputs do not show it.
    return Block(
        ("variable", name),
        {**body, "sensitive": True} if default is None else {**body, "default": default},
    )


def _variables(spec: Spec, found: Discovery) -> list[Block]:
    db = found.database
    values: dict[str, Any] = {
        "region": found.region,
        "proxy_name": spec.name,
        "db_identifier": db.identifier,
        "subnet_ids": [s.id for s in found.subnets] or spec.subnets or [s.id for s in db.subnets],
    }
    if spec.secret == "new":
        values["db_password"] = None
    else:
        values["secret_arn"] = _chosen_secret_arn(spec, found)
    if spec.role_arn is not None:
        values["role_arn"] = spec.role_arn
    if spec.security_groups:
        values["security_group_ids"] = spec.security_groups
    else:
        values["vpc_id"] = db.vpc_id
        values["db_security_group_ids"] = db.security_groups
        values["allowed_security_group_ids"] = spec.allow_sg
        values["allowed_cidr_blocks"] = spec.allow_cidr
    values["tags"] = spec.all_tags()
    return [_variable(name, default) for name, default in values.items()]


def _chosen_secret_arn(spec: Spec, found: Discovery) -> str:
    if found.secret is None:
        raise NotFoundError(
            f"No secret to export for --secret {spec.secret}: discovery found none.",
            hint="Pass --secret existing --secret-arn ARN, or --secret new.",
            field="--secret",
        )
    return found.secret.arn


def _secret(spec: Spec, found: Discovery) -> tuple[list[Block], Ref]:
    if spec.secret != "new":
        return [], Ref("var.secret_arn")
    db = found.database
    # The fields init stores (the password joins them at apply time), in the RDS layout.
    credentials: dict[str, Any] = {"username": spec.db_user, "password": Ref("var.db_password")}
    credentials |= {"engine": "postgres", "host": db.endpoint, "port": db.port}
    credentials[f"db{db.kind.title()}Identifier"] = Ref("var.db_identifier")
    about = f"RDS Proxy {spec.name}: credentials of {spec.db_user}"
    return [
        resource(
            "aws_secretsmanager_secret.proxy", name=secret_name(spec), description=about, tags=TAGS
        ),
        resource(
            "aws_secretsmanager_secret_version.proxy",
            secret_id=Ref("aws_secretsmanager_secret.proxy.id"),
            secret_string=Call("jsonencode", credentials),
        ),
    ], Ref("aws_secretsmanager_secret.proxy.arn")


def _role(spec: Spec, found: Discovery, secret: Ref) -> tuple[list[Block], Ref]:
    if spec.role_arn is not None:
        return [], Ref("var.role_arn")
    policy = secrets_policy([secret], kms_keys_for(found.secret_key), found.region)
    return [
        resource(
            "aws_iam_role.proxy",
            name=role_name(spec),
            description=f"Lets RDS Proxy {spec.name} read its secrets",
            assume_role_policy=Call("jsonencode", trust_policy()),
            tags=TAGS,
        ),
        resource(
            "aws_iam_role_policy.secrets",
            name=SECRETS_POLICY_NAME,
            role=Ref("aws_iam_role.proxy.id"),
            policy=Call("jsonencode", policy),
        ),
    ], Ref("aws_iam_role.proxy.arn")


def _rule(name: str, each: str, port: int, way: str = "ingress", **body: Any) -> Block:
    """PostgreSQL ingress (or egress), one rule for each element of a list variable."""
    rule = f"aws_vpc_security_group_{way}_rule.{name}"
    ports = {"ip_protocol": "tcp", "from_port": port, "to_port": port}
    return resource(rule, for_each=Ref(f"toset({each})"), **body, **ports)


def _network(spec: Spec, found: Discovery) -> tuple[list[Block], Ref]:
    if spec.security_groups:
        return [], Ref("var.security_group_ids")
    proxy, each = Ref("aws_security_group.proxy.id"), Ref("each.value")
    v6 = 'strcontains(each.value, ":")'
    group = resource(
        "aws_security_group.proxy",
        name=group_name(spec),
        description=f"RDS Proxy {spec.name} (proxyctl)",
        vpc_id=Ref("var.vpc_id"),
        tags=TAGS,
    )
    clients = {"security_group_id": proxy, "description": rule_description(spec)}
    by_group = {**clients, "referenced_security_group_id": each}
    by_cidr = {
        **clients,
        "cidr_ipv4": Ref(f"{v6} ? null : each.value"),
        "cidr_ipv6": Ref(f"{v6} ? each.value : null"),
    }
    # The proxy reaches the database on the database's own port.
    database = {
        "security_group_id": each,
        "referenced_security_group_id": proxy,
        "description": rule_description(spec),
    }
    # The provider removes the allow-all outbound rule EC2 adds; init does the same and
    # lets the proxy reach the database's port only.
    to_database = {
        "security_group_id": proxy,
        "referenced_security_group_id": each,
        "description": rule_description(spec),
    }
    db_port = found.database.port
    return [
        group,
        _rule("clients_by_group", "var.allowed_security_group_ids", PROXY_PORT, **by_group),
        _rule("clients_by_cidr", "var.allowed_cidr_blocks", PROXY_PORT, **by_cidr),
        _rule("database_from_proxy", "var.db_security_group_ids", db_port, **database),
        _rule("proxy_to_database", "var.db_security_group_ids", db_port, "egress", **to_database),
    ], Ref(f"[{proxy}]")


def _proxy(spec: Spec, secret: Ref, role: Ref, groups: Ref) -> Block:
    # Created after what it needs to read its secret, so its first connections succeed.
    after = [Ref("aws_iam_role_policy.secrets")] if spec.role_arn is None else []
    after += [Ref("aws_secretsmanager_secret_version.proxy")] if spec.secret == "new" else []
    auth = Nested(
        auth_scheme="SECRETS",
        secret_arn=secret,
        iam_auth=spec.iam_auth,
        client_password_auth_type=spec.client_auth_type,
        description=f"proxyctl {spec.name}",
    )
    return resource(
        "aws_db_proxy.proxy",
        name=Ref("var.proxy_name"),
        engine_family="POSTGRESQL",
        role_arn=role,
        vpc_subnet_ids=Ref("var.subnet_ids"),
        vpc_security_group_ids=groups,
        require_tls=spec.require_tls,
        idle_client_timeout=spec.idle_client_timeout,
        debug_logging=spec.debug_logging,
        tags=TAGS,
        **({"depends_on": after} if after else {}),
        auth=auth,
    )


def _targets(spec: Spec, found: Discovery) -> list[Block]:
    pool = Nested(
        max_connections_percent=spec.max_connections_percent,
        max_idle_connections_percent=spec.max_idle_connections_percent,
        connection_borrow_timeout=spec.connection_borrow_timeout,
    )
    if spec.init_query is not None:
        pool["init_query"] = spec.init_query
    name, group = Ref("aws_db_proxy.proxy.name"), "aws_db_proxy_default_target_group.proxy"
    target = {
        "db_proxy_name": name,
        "target_group_name": "default",
        f"db_{found.database.kind}_identifier": Ref("var.db_identifier"),
        "depends_on": [Ref(group)],
    }
    return [
        resource(group, db_proxy_name=name, connection_pool_config=pool),
        resource("aws_db_proxy_target.database", **target),
    ]


def _main(spec: Spec, found: Discovery) -> list[Block]:
    secret_blocks, secret = _secret(spec, found)
    role_blocks, role = _role(spec, found, secret)
    network_blocks, groups = _network(spec, found)
    proxy = _proxy(spec, secret, role, groups)
    return [*secret_blocks, *role_blocks, *network_blocks, proxy, *_targets(spec, found)]


_OUTPUTS = {  # output name: (attribute of the proxy, description)
    "endpoint": ("endpoint", f"Host name clients connect to, on port {PROXY_PORT}."),
    "proxy_arn": ("arn", "ARN of the proxy."),
}


def _outputs() -> list[Block]:
    return [
        Block(("output", name), {"description": text, "value": Ref(f"aws_db_proxy.proxy.{attr}")})
        for name, (attr, text) in _OUTPUTS.items()
    ]


def export_terraform(
    spec: Spec, found: Discovery, directory: Path, *, overwrite: bool = False
) -> list[Path]:
    """Write a Terraform configuration equivalent to what `proxyctl init` would build; return
    the files written.

    Only the files in FILES are written, each atomically (proxyctl.files); anything else in
    the directory is left alone. Existing ones are replaced only with OVERWRITE.
    """
    from proxyctl.errors import UsageError
    from proxyctl.files import check_dir_target, write_files

    flag = "--export-terraform"
    if found.database.kind not in ("cluster", "instance"):
        raise ValueError(f"unknown database kind {found.database.kind!r}")
    contents = [_versions(), _variables(spec, found), _main(spec, found), _outputs()]
    texts = [render(blocks) for blocks in contents]
    check_dir_target(directory, flag, FILES)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{flag}: cannot make {directory}: {exc.strerror}.", field=flag) from None
    written = [directory / name for name in FILES]
    write_files(list(zip(written, texts, strict=True)), flag, overwrite=overwrite)
    return written
