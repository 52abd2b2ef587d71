"""A TLS handshake read as findings (pure).

The trust store that fits an endpoint is chosen with the Target (db.target.trust_store);
it is importable from here too, where the failover drill takes it.
"""

from __future__ import annotations

from datetime import datetime

from proxyctl.db.target import is_proxy_host
from proxyctl.db.tls import EXPIRED, NOT_YET_VALID, Handshake, hostname_matches
from proxyctl.model.findings import Finding, fail, ok, warn

# Verify codes about dates, which the certificate finding reports: OpenSSL checks a
# certificate's signature before its dates, so these say nothing against the chain.
DATE_ERRORS = (EXPIRED, NOT_YET_VALID)

EXPIRY_WARNING_DAYS = 30


def tls_findings(
    result: Handshake, host: str, store: str, store_hint: str | None, now: datetime
) -> list[Finding]:
    if result.answer == "N":
        return [
            fail(
                "tls.refused",
                "tls",
                "the server answered N to SSLRequest: it does not offer TLS.",
                "Turn TLS on at the server (ssl = on). An RDS Proxy always offers it: check that "
                "you reached the proxy and not something else.",
            )
        ]
    if result.answer != "S":
        return [
            fail(
                "tls.not_postgres",
                "tls",
                "the server did not answer SSLRequest with S or N.",
                "That is not a PostgreSQL server or proxy: check the host and port.",
            )
        ]
    found = [
        ok(
            "tls.handshake",
            "tls",
            f"{result.protocol}, {result.cipher}.",
            protocol=result.protocol,
            cipher=result.cipher,
        )
    ]
    cert = result.certificate
    if cert is None:
        return [
            *found,
            fail(
                "tls.no_certificate",
                "tls",
                "the server sent no certificate.",
                "Check the server's ssl_cert_file.",
            ),
        ]
    days = cert.days_left(now)
    details = {
        "subject": cert.subject,
        "issuer": cert.issuer,
        "sans": cert.sans,
        "not_before": cert.not_before,
        "not_after": cert.not_after,
        "days_left": days,
    }
    names = ", ".join(cert.sans) or "no names"
    summary = f"certificate {cert.subject} for {names}, issued by {cert.issuer}"
    if result.verify_code in (EXPIRED, NOT_YET_VALID) or days < 0 or now < cert.not_before:
        when = (
            f"expired {cert.not_after:%Y-%m-%d}"
            if days < 0
            else f"valid only from {cert.not_before:%Y-%m-%d}"
        )
        found.append(
            fail(
                "tls.expired",
                "tls",
                f"{summary}: {when}.",
                "Renew the server's certificate (or fix this machine's clock).",
                **details,
            )
        )
    elif days < EXPIRY_WARNING_DAYS:
        found.append(
            warn(
                "tls.expiry",
                "tls",
                f"{summary}: expires in {days} days.",
                "Renew the certificate soon.",
                **details,
            )
        )
    else:
        found.append(
            ok(
                "tls.certificate",
                "tls",
                f"{summary}, valid until {cert.not_after:%Y-%m-%d} ({days} days).",
                **details,
            )
        )
    found += _chain(result, store, store_hint, host)
    if hostname_matches(host, cert.sans):
        found.append(ok("tls.hostname", "tls", f"the certificate names {host}."))
    else:
        found.append(
            fail(
                "tls.hostname",
                "tls",
                f"the certificate does not name {host}.",
                "Connect with the endpoint's real name (through a tunnel, keep it and add "
                "--via HOST:PORT), not an IP address or an alias.",
            )
        )
    return found


def _chain_error(result: Handshake) -> str | None:
    """What is wrong with the chain itself, or None when nothing is."""
    if result.chain_checked:  # the host name failed: the chain was verified on its own
        if result.chain_code is None or result.chain_code in DATE_ERRORS:
            return None
        return result.chain_message or f"OpenSSL error {result.chain_code}"
    if result.verified or result.verify_code in DATE_ERRORS:
        return None
    return result.verify_message or f"OpenSSL error {result.verify_code}"


def _chain(result: Handshake, store: str, store_hint: str | None, host: str) -> list[Finding]:
    error = _chain_error(result)
    if error is None:
        apart = " (verified apart from the host name)" if result.chain_checked else ""
        said = f"the chain verifies against {store}{apart}."
        return [ok("tls.chain", "tls", said, store=store)]
    if store_hint:
        hint = store_hint
    elif is_proxy_host(host):
        hint = (
            "Proxy certificates chain to Amazon Root CA 1-4 (in certifi and Mozilla's bundle); "
            "the RDS CA bundle verifies only direct database endpoints."
        )
    else:
        hint = "Pass --ca-bundle with the CA that signed the server's certificate."
    return [
        fail(
            "tls.chain",
            "tls",
            f"the chain does not verify against {store}: {error}.",
            hint,
            store=store,
        )
    ]
