"""The pure views over a proxy's records: which targets report health, which databases
are registered, and an auth entry in ModifyDBProxy's words."""

from __future__ import annotations

from proxyctl.model.proxy import AuthEntry, TargetHealth, registered_databases, with_health

AURORA = [
    TargetHealth("orders-db", type="TRACKED_CLUSTER", reported=False),
    TargetHealth("orders-db-1", "READ_WRITE", "AVAILABLE", cluster="orders-db"),
    TargetHealth("orders-db-2", "READ_ONLY", "AVAILABLE", cluster="orders-db"),
]


def test_the_tracked_cluster_has_no_health_of_its_own() -> None:
    assert [t.target for t in with_health(AURORA)] == ["orders-db-1", "orders-db-2"]


def test_an_aurora_cluster_and_a_standalone_instance_each_count_once() -> None:
    billing = TargetHealth("billing", "READ_WRITE", "AVAILABLE", type="RDS_INSTANCE")
    assert registered_databases([*AURORA, billing]) == [
        ("orders-db", "cluster"),
        ("billing", "instance"),
    ]


def test_an_auth_entry_names_only_what_aws_gave() -> None:
    entry = AuthEntry("arn:s", "REQUIRED", description="proxyctl orders")
    assert entry.as_api() == {
        "Description": "proxyctl orders",
        "AuthScheme": "SECRETS",
        "SecretArn": "arn:s",
        "IAMAuth": "REQUIRED",
    }


def test_a_hint_for_each_reason_and_none_for_health() -> None:
    bad = TargetHealth("db-1", state="UNAVAILABLE", reason="AUTH_FAILURE")
    assert bad.hint is not None and "secret's username and password" in bad.hint
    assert bad.settled_bad
    assert TargetHealth("db-1", state="AVAILABLE").hint is None
