"""check's TLS verdicts and trust stores against real servers with crafted certificates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import certifi
import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from proxyctl.db import tls
from proxyctl.db.target import trust_store
from tests import pg
from tests.check.test_dataplane import check
from tests.conftest import Cli


def forged_leaf(ca: trustme.CA, *names: str) -> Any:
    """A certificate for NAMES that names CA as its issuer but is signed by another key."""
    ca_cert = x509.load_pem_x509_certificate(ca.cert_pem.bytes())
    key, impostor = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    ca_key_id = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_key_id), False
        )
        .sign(impostor, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # The shape of trustme.LeafCert that PgServer.use_cert reads.
    return SimpleNamespace(
        cert_chain_pems=[trustme.Blob(cert.public_bytes(serialization.Encoding.PEM))],
        private_key_pem=trustme.Blob(key_pem),
    )


def test_a_wrong_host_does_not_hide_a_bad_signature(cli: Cli, pg_server: pg.StartServer) -> None:
    server = pg_server()
    assert server.ca is not None and server.ca_file is not None
    server.use_cert(forged_leaf(server.ca, "localhost"))
    via = ("--via", f"127.0.0.1:{server.port}", "--ca-bundle", str(server.ca_file))
    code, found, _ = check(cli, server, "--host", "elsewhere.test", *via)
    assert code == 6
    assert found["tls.hostname"]["status"] == "fail"
    chain = found["tls.chain"]
    assert chain["status"] == "fail", chain
    assert chain["message"] == (
        f"the chain does not verify against --ca-bundle {server.ca_file}: "
        "certificate signature failure."
    )
    # The right name shows the same signature failure.
    code, found, _ = check(cli, server, "--host", "localhost", *via)
    assert found["tls.chain"]["message"] == chain["message"]


def test_a_wrong_host_with_a_good_chain_says_so(cli: Cli, pg_tls: pg.PgServer) -> None:
    via = ("--via", f"127.0.0.1:{pg_tls.port}", "--ca-bundle", str(pg_tls.ca_file))
    code, found, _ = check(cli, pg_tls, "--host", "elsewhere.test", *via)
    assert code == 6
    assert found["tls.chain"]["message"] == (
        f"the chain verifies against --ca-bundle {pg_tls.ca_file} "
        "(verified apart from the host name)."
    )
    assert found["tls.hostname"]["message"] == "the certificate does not name elsewhere.test."


def test_a_wrong_host_on_an_expired_certificate_reports_both(
    cli: Cli, pg_server: pg.StartServer, tmp_path: Path
) -> None:
    server = pg_server(expired=True)
    via = ("--via", f"127.0.0.1:{server.port}", "--ca-bundle", str(server.ca_file))
    code, found, _ = check(cli, server, "--host", "elsewhere.test", *via)
    assert code == 6
    statuses = {c: found[c]["status"] for c in ("tls.expired", "tls.chain", "tls.hostname")}
    assert statuses == {"tls.expired": "fail", "tls.chain": "ok", "tls.hostname": "fail"}


def test_the_system_store_is_the_file_libpq_gets(
    cli: Cli, pg_tls: pg.PgServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without SSL_CERT_FILE, libpq from psycopg's wheel finds no system store of its own
    (/usr/lib/psycopg-openssl): the TLS phase's CA file must be handed to it."""
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    # This machine's CA file, as the distribution would hold it, trusts the test CA.
    monkeypatch.setattr(tls, "SYSTEM_CA_FILES", (str(pg_tls.ca_file),))
    code, found, _ = check(cli, pg_tls, "--host", "localhost", "--port", str(pg_tls.port))
    assert code == 0, found
    assert found["tls.chain"]["details"]["store"] == f"the system trust store ({pg_tls.ca_file})"
    assert found["auth.ok"]["details"]["ca_file"] == str(pg_tls.ca_file)


def test_one_bundle_serves_a_proxy_and_a_direct_endpoint(
    cli: Cli, pg_server: pg.StartServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A drill over a proxy and its cluster passes one --ca-bundle (the RDS bundle) for
    both; failover-test resolves each endpoint's trust through the same trust_store."""
    proxy_name = "orders.proxy-abc123def456.us-east-1.rds.amazonaws.com"
    direct_name = "orders.cluster-abc123def456.us-east-1.rds.amazonaws.com"
    amazon, rds = trustme.CA(), trustme.CA()
    proxy = pg_server(ca=amazon, cert_names=(proxy_name,))
    direct = pg_server(ca=rds, cert_names=(direct_name,))
    # Amazon's roots cannot sign a local certificate: certifi stands for them here.
    amazon_roots = tmp_path / "amazon-roots.pem"
    amazon.cert_pem.write_to_path(str(amazon_roots))
    monkeypatch.setattr(certifi, "where", lambda: str(amazon_roots))
    rds_bundle = str(direct.ca_file)
    for server, name in ((proxy, proxy_name), (direct, direct_name)):
        via = ("--via", f"127.0.0.1:{server.port}", "--ca-bundle", rds_bundle)
        code, found, _ = check(cli, server, "--host", name, *via)
        assert code == 0, found
    store = trust_store(proxy_name, rds_bundle)[1]
    assert store == f"certifi (Amazon Trust Services roots) and --ca-bundle {rds_bundle}"
    assert trust_store(direct_name, rds_bundle)[0] == rds_bundle
