"""Reading handshakes, choosing trust stores and explaining errors: pure, no servers."""

from __future__ import annotations

import ssl
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from proxyctl.check.findings import Finding, Report, Status
from proxyctl.check.tlsreport import tls_findings
from proxyctl.db import tls
from proxyctl.db.hints import explain
from proxyctl.db.tls import Certificate, Handshake, hostname_matches

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
PROXY = "orders.proxy-abc123def456.us-east-1.rds.amazonaws.com"


@pytest.mark.parametrize(
    ("name", "sans", "matches"),
    [
        (PROXY, ["*.proxy-abc123def456.us-east-1.rds.amazonaws.com"], True),
        ("a.b." + PROXY, ["*.proxy-abc123def456.us-east-1.rds.amazonaws.com"], False),
        (
            "proxy-abc123def456.us-east-1.rds.amazonaws.com",
            ["*.proxy-abc123def456.us-east-1.rds.amazonaws.com"],
            False,
        ),
        ("DB.test", ["db.test"], True),
        ("db.test.", ["db.test"], True),
        ("other.test", ["db.test", "localhost"], False),
        ("127.0.0.1", ["127.0.0.1"], True),
    ],
)
def test_hostname_matching(name: str, sans: list[str], matches: bool) -> None:
    assert hostname_matches(name, sans) is matches


def test_the_system_ca_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.setattr(tls, "SYSTEM_CA_FILES", (str(tmp_path / "absent.pem"),))
    default = ssl.get_default_verify_paths().openssl_cafile  # Python's OpenSSL's own
    assert tls.system_ca_file() == (default if Path(default).is_file() else None)
    chosen = tmp_path / "chosen.pem"
    chosen.write_text("CA\n")
    monkeypatch.setenv("SSL_CERT_FILE", str(chosen))
    assert tls.system_ca_file() == str(chosen)


def cert(days_left: int, sans: list[str] | None = None) -> Certificate:
    return Certificate(
        subject="CN=" + PROXY,
        issuer="CN=Amazon RSA 2048 M02,O=Amazon,C=US",
        sans=sans or ["*.proxy-abc123def456.us-east-1.rds.amazonaws.com"],
        not_before=NOW - timedelta(days=300),
        not_after=NOW + timedelta(days=days_left),
    )


def codes(found: list[Finding]) -> dict[str, Status]:
    return {f.code: f.status for f in found}


def test_a_good_proxy_handshake() -> None:
    result = Handshake("S", "TLSv1.3", "TLS_AES_128_GCM_SHA256", cert(200), verified=True)
    found = tls_findings(result, PROXY, "certifi", None, NOW)
    assert codes(found) == {
        "tls.handshake": Status.OK,
        "tls.certificate": Status.OK,
        "tls.chain": Status.OK,
        "tls.hostname": Status.OK,
    }


def test_expiry_soon_warns_and_past_fails() -> None:
    soon = tls_findings(
        Handshake("S", "TLSv1.3", "x", cert(12), verified=True), PROXY, "s", None, NOW
    )
    assert codes(soon)["tls.expiry"] is Status.WARN
    gone = tls_findings(
        Handshake("S", "TLSv1.3", "x", cert(-3), verify_code=10), PROXY, "s", None, NOW
    )
    assert codes(gone)["tls.expired"] is Status.FAIL
    assert codes(gone)["tls.chain"] is Status.OK  # an expired leaf says nothing of the chain


def test_proxy_endpoint_checked_with_the_rds_bundle_gets_the_right_hint() -> None:
    result = Handshake(
        "S",
        "TLSv1.3",
        "x",
        cert(200),
        verify_code=20,
        verify_message="unable to get local issuer certificate",
    )
    (chain,) = [
        f
        for f in tls_findings(result, PROXY, "--ca-bundle rds.pem", None, NOW)
        if f.code == "tls.chain"
    ]
    assert chain.status is Status.FAIL
    assert chain.hint is not None and "Amazon Root CA 1-4" in chain.hint


def test_no_tls_and_not_postgres() -> None:
    assert codes(tls_findings(Handshake("N"), PROXY, "s", None, NOW)) == {
        "tls.refused": Status.FAIL
    }
    assert codes(tls_findings(Handshake(""), PROXY, "s", None, NOW)) == {
        "tls.not_postgres": Status.FAIL
    }


@pytest.mark.parametrize(
    ("message", "code", "words"),
    [
        ("This RDS Proxy requires TLS connections.", "auth.tls_required", "sslmode=verify-full"),
        ("IAM authentication is allowed only with SSL connections.", "auth.iam_needs_tls", "TLS"),
        (
            "The IAM authentication failed for the role app. "
            "Check the IAM token for this role and try again.",
            "auth.iam_failed",
            "rds-db:connect",
        ),
        ("This RDS proxy has no credentials for the role app.", "auth.no_credentials", "secret"),
        (
            "The password that was provided for the role app is wrong.",
            "auth.wrong_password",
            "password",
        ),
        (
            'FATAL:  password authentication failed for user "app"',
            "auth.wrong_password",
            "password",
        ),
        (
            'Request returned an error: database "x" does not exist',
            "auth.unknown_database",
            "--database",
        ),
        (
            "The maximum number of client connections to the proxy exceeded 100.",
            "auth.too_many_connections",
            "pool",
        ),
        ("Timed-out waiting to acquire database connection.", "auth.borrow_timeout", "pinn"),
        (
            "The IAM authentication failed because of too many competing requests.",
            "auth.iam_throttled",
            "spread",
        ),
        ("connection to server failed: timeout expired", "auth.timeout", "--connect-timeout"),
    ],
)
def test_errors_become_hints(message: str, code: str, words: str) -> None:
    got_code, hint = explain(message)
    assert got_code == code
    assert words in hint


def test_report_verdicts() -> None:
    good = Finding("a", Status.OK, "tls", "fine")
    bad = Finding("b", Status.FAIL, "auth", "no", "fix it")
    soso = Finding("c", Status.WARN, "dns", "hmm", "look")
    assert Report("t", [good]).verdict == "OK: t works end to end"
    assert Report("t", [good, soso]).verdict == "OK with 1 warning: t"
    assert Report("t", [good, bad, soso]).verdict == "FAIL: auth: no"
    text = Report("t", [good, bad]).text()
    assert "✓ tls" in text and "✗ auth" in text and "hint: fix it" in text
