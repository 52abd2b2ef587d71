"""The lab CA and the certificates it signs, made by trustme in milliseconds.

A leaf is anything shaped like `trustme.LeafCert`: `cert_chain_pems` (the certificate,
then its issuers) and `private_key_pem`, each with `bytes()`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from proxyctl.lab.errors import missing_library
from proxyctl.lab.system import write_file

if TYPE_CHECKING:
    import trustme


def new_ca() -> trustme.CA:
    """A new certificate authority for the lab's servers."""
    try:
        import trustme
    except ImportError as exc:
        raise missing_library("trustme") from exc
    return trustme.CA()


def issue(
    ca: trustme.CA, names: tuple[str, ...], not_after: datetime | None = None
) -> trustme.LeafCert:
    """A server certificate for NAMES; a `not_after` in the past makes it expired."""
    if not_after is None:
        return ca.issue_cert(*names)
    # trustme's default not_before (year 2000) is fine; keep it before not_after anyway.
    return ca.issue_cert(*names, not_before=not_after - timedelta(days=30), not_after=not_after)


def write_ca(ca: trustme.CA, path: Path) -> None:
    """The CA's certificate (PEM), which clients name as their trust store."""
    write_file(path, ca.cert_pem.bytes(), 0o644)


def write_leaf(cert: trustme.LeafCert, cert_file: Path, key_file: Path) -> None:
    """A server's certificate chain and key, readable by the server alone (the key)."""
    chain = b"".join(blob.bytes() for blob in cert.cert_chain_pems)
    write_file(cert_file, chain, 0o644)
    write_file(key_file, cert.private_key_pem.bytes(), 0o600)
