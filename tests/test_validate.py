"""Input checks that need no network, each naming the field it rejects."""

from __future__ import annotations

import pytest

from proxyctl import validate
from proxyctl.errors import UsageError


@pytest.mark.parametrize(
    "host",
    ["db.example.com", "orders.proxy-abc123.us-east-1.rds.amazonaws.com", "localhost",
     "10.0.0.5", "::1", "fd00::5", "a-b.c1"],
)  # fmt: skip
def test_good_hosts(host: str) -> None:
    assert validate.host(host) == host


@pytest.mark.parametrize(
    "host",
    ["", " db", "https://db.example.com", "db.example.com:5432", "db example.com", "a..b",
     "-a.com", "a-.com", "db/x", "x" * 64 + ".com", "1.2.3.4.5:6:7"],
)  # fmt: skip
def test_bad_hosts_name_the_field(host: str) -> None:
    with pytest.raises(UsageError) as caught:
        validate.host(host, field="--host")
    assert caught.value.field == "--host"
    assert "--host" in caught.value.message


@pytest.mark.parametrize(
    ("name", "ok"),
    [("orders", True), ("a", True), ("Orders-1", True), ("a" * 63, True), ("a" * 64, False),
     ("1orders", False), ("orders-", False), ("or--ders", False), ("or_ders", False), ("", False)],
)  # fmt: skip
def test_proxy_names(name: str, ok: bool) -> None:
    if ok:
        assert validate.proxy_name(name) == name
    else:
        with pytest.raises(UsageError, match="not a valid RDS Proxy name"):
            validate.proxy_name(name)


@pytest.mark.parametrize(
    ("region", "ok"),
    [("us-east-1", True), ("us-gov-west-1", True), ("cn-northwest-1", True),
     ("ap-southeast-5", True), ("eusc-de-east-1", True), ("us-iso-east-1", True),
     ("moon", False), ("US-EAST-1", False), ("us-east", False), ("us_east_1", False)],
)  # fmt: skip
def test_regions(region: str, ok: bool) -> None:
    if ok:
        assert validate.region(region) == region
    else:
        with pytest.raises(UsageError, match="--region"):
            validate.region(region)


@pytest.mark.parametrize(
    ("url", "ok"),
    [("http://127.0.0.1:5000", True), ("https://rds.eu-west-1.amazonaws.com", True),
     ("localhost:5000", False), ("ftp://x", False), ("http://", False), ("http://h:99999", False)],
)  # fmt: skip
def test_endpoint_urls(url: str, ok: bool) -> None:
    if ok:
        assert validate.endpoint_url(url) == url
    else:
        with pytest.raises(UsageError, match="--endpoint-url"):
            validate.endpoint_url(url)


def test_user_names() -> None:
    assert validate.db_user("app") == "app"
    for bad, says in [("", "empty"), ("  ", "empty"), ("a\nb", "control"), ("é" * 32, "63 bytes")]:
        with pytest.raises(UsageError, match=says):
            validate.db_user(bad)
