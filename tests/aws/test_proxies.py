"""The proxy reader: one record from DescribeDBProxies, read once per command."""

from __future__ import annotations

import socket
from collections import Counter
from typing import Any

import pytest

from proxyctl.aws import proxies
from proxyctl.model.proxy import AuthEntry, registered_databases, with_health
from tests.conftest import Cli
from tests.provision_helpers import clients, seed_stack


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """The AWS operations every client proxyctl makes sends, counted by a botocore hook."""
    import proxyctl.aws.secrets as secrets

    counted: Counter[str] = Counter()
    remember = secrets.remember_what_passes

    def count(model: Any, **kwargs: Any) -> None:
        counted[model.name] += 1

    def hooked(client: Any, credentials: Any) -> None:
        client.meta.events.register("before-call.*.*", count)
        remember(client, credentials)

    monkeypatch.setattr(secrets, "remember_what_passes", hooked)
    return counted


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_check_proxy_describes_the_proxy_once(cli: Cli, aws: str, calls: Counter[str]) -> None:
    seed_stack(aws, "orders")
    calls.clear()  # init made the stack through the same clients
    run = cli(
        "--output", "json", "check", "--proxy", "orders", "--user", "app",
        "--via", f"127.0.0.1:{_closed_port()}", "--samples", "1",
    )  # fmt: skip
    phases = {f["phase"] for f in run.json()["findings"]}
    assert "aws" in phases, run.stderr  # the control plane ran, on the proxy read once
    assert calls["DescribeDBProxies"] == 1
    assert calls["DescribeDBProxyTargets"] == 1


def test_the_record_of_a_proxy_init_made(aws: str) -> None:
    seed_stack(aws, "orders")
    c = clients(aws)
    proxy = proxies.read_proxy(c.rds, "orders", tags=True)
    assert proxy is not None
    assert (proxy.name, proxy.status, proxy.stack, proxy.require_tls) == (
        "orders", "available", "orders", True,
    )  # fmt: skip
    (secret,) = proxy.secret_arns
    assert proxy.auth == (
        AuthEntry(secret, "REQUIRED", "SECRETS", "POSTGRES_SCRAM_SHA_256", "proxyctl orders"),
    )
    assert ":secret:proxyctl/orders/app-" in secret and proxy.iam_auth == "REQUIRED"
    assert proxies.read_proxy(c.rds, "orders").stack is None  # type: ignore[union-attr]
    assert proxies.read_proxy(c.rds, "ordrs") is None
    targets = proxies.read_targets(c.rds, "orders")
    # moto reports the cluster alone, with its health (AWS adds its instances).
    assert [(t.target, t.type, t.state) for t in with_health(targets)] == [
        ("orders-db", "TRACKED_CLUSTER", "AVAILABLE")
    ]
    assert registered_databases(targets) == [("orders-db", "cluster")]
