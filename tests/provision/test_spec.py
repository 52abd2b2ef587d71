"""The Spec: checks that need no AWS, and the TOML round trip behind --save-spec/--spec."""

from __future__ import annotations

from pathlib import Path

import pytest

from proxyctl.errors import UsageError
from proxyctl.provision.spec import Spec, from_toml, parse_tags, read_spec, to_toml


def full() -> Spec:
    return Spec(
        name="orders-proxy",
        database="orders-db",
        secret="new",
        db_user="app",
        password_source="generate",
        role_arn="arn:aws:iam::123456789012:role/existing",
        allow_sg=["sg-0123456789abcdef0"],
        allow_cidr=["10.0.0.0/16", "fd00::/8"],
        subnets=["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
        require_tls=True,
        iam_auth="DISABLED",
        client_password_auth="md5",
        idle_client_timeout=600,
        debug_logging=True,
        max_connections_percent=80,
        max_idle_connections_percent=20,
        connection_borrow_timeout=10,
        init_query="SET x = 1",
        tags={"team": "payments", "cost center": "42"},
    ).check()


def test_toml_round_trip_keeps_every_field(tmp_path: Path) -> None:
    spec = full()
    path = tmp_path / "spec.toml"
    path.write_text(to_toml(spec))
    assert read_spec(path) == spec
    keys = [line.split(" = ")[0] for line in path.read_text().splitlines() if " = " in line]
    assert "password" not in keys  # a spec never holds a password


def test_defaults_round_trip() -> None:
    spec = Spec(name="p", database="d").check()
    assert from_toml(to_toml(spec), "spec.toml") == spec


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("name = ", "not valid TOML"),
        ('database = "d"', "name is missing"),
        (
            'name = "p"\ndatabase = "d"\nmax_conections_percent = 5',
            "unknown key 'max_conections_percent'",
        ),
        ('name = "p"\ndatabase = "d"\nrequire_tls = "yes"', "require_tls should be bool, not str"),
        (
            'name = "p"\ndatabase = "d"\nidle_client_timeout = true',
            "idle_client_timeout should be int",
        ),
        ('name = "p"\ndatabase = "d"\nallow_sg = "sg-1"', "allow_sg should be list"),
        ('version = 9\nname = "p"\ndatabase = "d"', "spec version 9 is not supported"),
    ],
)
def test_bad_spec_files_name_the_key(text: str, says: str) -> None:
    with pytest.raises(UsageError, match=says):
        from_toml(text, "spec.toml")


@pytest.mark.parametrize(
    ("changes", "flag"),
    [
        ({"secret": "other"}, "--secret"),
        ({"secret": "existing", "secret_arn": "nope"}, "--secret-arn"),
        ({"secret": "new"}, "--db-user"),
        ({"role_arn": "arn:aws:iam::1:user/x"}, "--role-arn"),
        ({"security_groups": ["sg-x"]}, "--security-group"),
        ({"subnets": ["sn-1"]}, "--subnet"),
        ({"allow_cidr": ["10.0.0.0/33"]}, "--allow-cidr"),
        ({"max_connections_percent": 0}, "--max-connections-percent"),
        ({"max_idle_connections_percent": 101}, "--max-idle-connections-percent"),
        ({"connection_borrow_timeout": -1}, "--connection-borrow-timeout"),
        ({"idle_client_timeout": 28801}, "--idle-client-timeout"),
        ({"init_query": "  "}, "--init-query"),
        ({"tags": {"aws:x": "1"}}, "--tag"),
        ({"tags": {"k": "v" * 257}}, "--tag"),
        ({"iam_auth": "REQUIRED", "require_tls": False}, "--require-tls"),
        ({"client_password_auth": "plain"}, "--client-password-auth"),
    ],
)
def test_check_names_the_flag(changes: dict[str, object], flag: str) -> None:
    with pytest.raises(UsageError) as caught:
        Spec(name="p", database="d", **changes).check()  # type: ignore[arg-type]
    assert caught.value.field == flag


def test_tags_parse_and_always_carry_the_stack() -> None:
    assert parse_tags(["a=1", "b=x=y", "c="]) == {"a": "1", "b": "x=y", "c": ""}
    with pytest.raises(UsageError, match="not KEY=VALUE"):
        parse_tags(["novalue"])
    tags = Spec(name="p", database="d", tags={"a": "1"}).all_tags()
    assert tags == {"a": "1", "proxyctl:managed": "true", "proxyctl:stack": "p"}
