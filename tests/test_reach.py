"""One way to reach a database: options -> Target, with the same defaults for every command."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import certifi
import pytest

from proxyctl import reach
from proxyctl.app import App
from proxyctl.config import Settings
from proxyctl.errors import ExitCode, UsageError
from proxyctl.reach import ConnectionOptions
from proxyctl.tokens import inspect_token
from tests.answers import Answers
from tests.conftest import REGION
from tests.provision_helpers import STACK_PASSWORD, make_stack, seed_stack

HOST = "db.example.com"


def app_with(answers: dict[str, str], no_input: bool = False, **settings: Any) -> tuple[App, Any]:
    asker = Answers(answers)
    return App(Settings(region=REGION, no_input=no_input, **settings), asker), asker


def test_the_password_prompt_goes_through_the_app_and_is_asked_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PGPASSWORD", raising=False)
    app, asker = app_with({"--user": "app", "PGPASSWORD": "typed-secret-9x"})
    target = reach.resolve(app, ConnectionOptions(host=HOST, auth="password"))
    assert asker.asked == [("--user", "Database user:")]  # the password: at sign-in only
    assert target.password() == "typed-secret-9x"
    assert target.password() == "typed-secret-9x"
    assert asker.asked[1:] == [("PGPASSWORD", "Password of app:")]
    assert "typed-secret-9x" not in repr(target)


def test_pgpassword_is_taken_without_a_question(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGPASSWORD", "from-the-environment")
    app, asker = app_with({})
    target = reach.resolve(app, ConnectionOptions(host=HOST, user="app", auth="password"))
    assert target.password() == "from-the-environment" and asker.asked == []


def test_with_prompts_off_a_missing_password_names_pgpassword_before_any_work(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PGPASSWORD", raising=False)
    app, _ = app_with({}, no_input=True)
    with pytest.raises(UsageError) as raised:
        reach.find(app, ConnectionOptions(host=HOST, user="app", auth="password"))
    assert raised.value.message == "--auth password: set PGPASSWORD (prompts are off)."
    assert raised.value.field == "PGPASSWORD" and raised.value.exit_code == ExitCode.USAGE


@pytest.mark.parametrize(
    ("options", "field", "says"),
    [
        (ConnectionOptions(), "--host", "give --proxy NAME or --host HOST."),
        (ConnectionOptions(proxy="p", host=HOST), "--proxy", "give one."),
        (ConnectionOptions(host=HOST, auth="token"), "--auth", "'token' is not one of"),
        (ConnectionOptions(host=HOST, auth="secret"), "--auth", "give --proxy."),
        (ConnectionOptions(host=HOST, via="localhost"), "--via", "is not HOST:PORT."),
        (ConnectionOptions(host=HOST, via="bad host:5432"), "--via", "not a host name"),
        (ConnectionOptions(host=HOST, ca_bundle="/nowhere/ca.pem"), "--ca-bundle", "no file"),
    ],
)
def test_bad_options_are_refused_before_any_question(
    options: ConnectionOptions, field: str, says: str
) -> None:
    app, asker = app_with({})
    with pytest.raises(UsageError) as raised:
        reach.find(app, options)
    assert raised.value.field == field and says in raised.value.message
    assert asker.asked == []


def test_a_host_target_signs_iam_tokens_for_the_real_host_through_via() -> None:
    app, _ = app_with({})
    options = ConnectionOptions(host=HOST, user="app", database="app", via="localhost:6432")
    target = reach.resolve(app, options)
    assert (target.auth, target.dial, target.via) == (
        "iam",
        ("localhost", 6432),
        ("localhost", 6432),
    )
    assert target.where == f"app@{HOST}:5432 via localhost:6432"
    token = target.password()
    signed = inspect_token(token, datetime.now(UTC))
    assert (signed.host, signed.port, signed.user) == (HOST, 5432, "app")
    assert target.password() == token  # cached until it nears its expiry
    assert token not in repr(target)


def test_the_proxy_decides_the_default_auth_and_the_trust_store(aws: str, tmp_path: Path) -> None:
    seed_stack(aws, "orders")  # IAM auth required
    make_stack(aws, "plain", iam_auth="DISABLED")
    app, _ = app_with({}, endpoint_url=aws)
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n")
    iam = reach.resolve(app, ConnectionOptions(proxy="orders", user="app"))
    assert (iam.auth, iam.proxy, iam.region, iam.cafile) == (
        "iam",
        "orders",
        REGION,
        certifi.where(),
    )
    found = reach.find(app, ConnectionOptions(proxy="plain", user="app", ca_bundle=str(bundle)))
    secret = found.target()
    assert (secret.auth, secret.proxy) == ("secret", "plain")
    assert secret.password() == STACK_PASSWORD
    # Another endpoint of the same database (a drill's cluster endpoint): the same user and
    # sign-in, its own trust store, and no tunnel.
    direct = found.target("orders-db.cluster-abc.us-east-1.rds.amazonaws.com", 5432)
    assert (direct.user, direct.auth, direct.via) == ("app", "secret", None)
    assert direct.cafile == str(bundle.resolve()) and direct.password() == STACK_PASSWORD
    told = reach.resolve(app, ConnectionOptions(proxy="plain", user="app", auth="iam"))
    assert told.auth == "iam"  # --auth wins over the proxy's default
