"""The trust store that fits an endpoint: Amazon's roots for a proxy, --ca-bundle, the system's."""

from __future__ import annotations

from pathlib import Path

import certifi
import pytest

from proxyctl.db import tls
from proxyctl.db.target import Target, trust_store

PROXY = "orders.proxy-abc123def456.us-east-1.rds.amazonaws.com"


def test_trust_store_fits_the_endpoint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    system = tmp_path / "system.pem"
    system.write_text("SYSTEM\n")
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.setattr(tls, "SYSTEM_CA_FILES", (str(system),))
    assert trust_store(PROXY, None) == (
        certifi.where(),
        "certifi (Amazon Trust Services roots)",
        None,
    )
    cafile, store, missing = trust_store("orders.cluster-abc.us-east-1.rds.amazonaws.com", None)
    assert (cafile, store) == (str(system), f"the system trust store ({system})")
    assert missing is not None and "global-bundle.pem" in missing
    assert trust_store("db.example.com", None) == (
        str(system),
        f"the system trust store ({system})",
        None,
    )
    assert trust_store("db.example.com", "/etc/ca.pem") == (
        "/etc/ca.pem",
        "--ca-bundle /etc/ca.pem",
        None,
    )


def test_a_proxy_endpoint_keeps_amazons_roots_with_a_bundle(tmp_path: Path) -> None:
    bundle = tmp_path / "global-bundle.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\nRDS\n-----END CERTIFICATE-----\n")
    cafile, store, _ = trust_store(PROXY, str(bundle))
    assert store == f"certifi (Amazon Trust Services roots) and --ca-bundle {bundle}"
    both = Path(cafile).read_text()
    assert Path(certifi.where()).read_text().strip() in both and bundle.read_text() in both
    assert (
        Path(cafile).stat().st_mode & 0o077 == 0 or Path(cafile).parent.stat().st_mode & 0o077 == 0
    )


@pytest.mark.parametrize(
    "host",
    [
        "orders.proxy-c0ffee123456.us-east-1.rds.amazonaws.com",
        "reader.endpoint.proxy-c0ffee123456.eu-west-1.rds.amazonaws.com",
        "orders.proxy-c0ffee123456.cn-north-1.rds.amazonaws.com.cn",
        # The AWS stand-in's form of a proxy endpoint: still a proxy, still Amazon's roots.
        "orders.db-proxy-3q7xm2kd9sfp.us-east-1.rds.amazonaws.com",
        "ORDERS.PROXY-C0FFEE123456.US-EAST-1.RDS.AMAZONAWS.COM.",
    ],
)
def test_every_form_of_a_proxy_endpoint_trusts_amazons_roots(host: str) -> None:
    assert trust_store(host, None) == (
        certifi.where(),
        "certifi (Amazon Trust Services roots)",
        None,
    )


def test_libpq_reaches_the_tunnel_but_keeps_the_host_name() -> None:
    def target(via: tuple[str, int] | None) -> Target:
        return Target(PROXY, 5432, "app", "app", "iam", lambda: "t", "ca.pem", "s", via=via)

    assert target(None).libpq_address() == (None, 5432)
    assert target(("localhost", 6432)).libpq_address() in (("127.0.0.1", 6432), ("::1", 6432))
    assert target(("127.0.0.1", 6432)).host == PROXY
