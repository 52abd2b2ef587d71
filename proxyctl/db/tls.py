"""PostgreSQL's TLS start, inspected by hand: SSLRequest, the server's answer, the handshake.

libpq hides why a handshake failed and what the certificate says; here the
client side of the handshake is done with Python's ssl module so that both can
be reported. Through a proxy, pg_stat_ssl describes the proxy's own link to
the database, so this is the only way to see the client's.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import socket
import ssl
import struct
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

SSL_REQUEST = struct.pack("!ii", 8, 80877103)
# OpenSSL verify codes that name the failure precisely.
HOSTNAME_MISMATCH = 62
IP_MISMATCH = 64
EXPIRED = 10
NOT_YET_VALID = 9


@dataclass
class Certificate:
    subject: str
    issuer: str
    sans: list[str]
    not_before: datetime
    not_after: datetime

    def days_left(self, now: datetime) -> int:
        return int((self.not_after - now).total_seconds() // 86400)


@dataclass
class Handshake:
    """What the server answered and what the handshake showed."""

    answer: str  # "S", "N", or "" when the server closed or said something else
    protocol: str | None = None
    cipher: str | None = None
    certificate: Certificate | None = None
    verified: bool = False
    verify_code: int | None = None
    verify_message: str | None = None
    # After a host-name failure, the chain verified again without the host name: OpenSSL
    # checks the name before the signatures, so the first failure says nothing of them.
    chain_checked: bool = False
    chain_code: int | None = None  # None with chain_checked: the chain verifies
    chain_message: str | None = None
    errors: list[str] = field(default_factory=list)


def parse_certificate(der: bytes) -> Certificate:
    from cryptography import x509

    cert = x509.load_der_x509_certificate(der)
    try:
        ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        sans = [str(n) for n in ext.get_values_for_type(x509.DNSName)]
        sans += [str(ip) for ip in ext.get_values_for_type(x509.IPAddress)]
    except x509.ExtensionNotFound:
        sans = []
    return Certificate(
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        sans=sans,
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
    )


def hostname_matches(name: str, sans: list[str]) -> bool:
    """RFC 6125 matching: exact, or one leftmost wildcard label (*.proxy-x.rds...)."""
    name = name.lower().rstrip(".")
    for san in (s.lower().rstrip(".") for s in sans):
        if san == name:
            return True
        if san.startswith("*.") and "." in name:
            head, rest = name.split(".", 1)
            if rest == san[2:] and head:
                return True
    return False


def _ask_for_tls(address: tuple[str, int], timeout: float) -> tuple[socket.socket, str]:
    sock = socket.create_connection(address, timeout=timeout)
    try:
        sock.sendall(SSL_REQUEST)
        answer = sock.recv(1)
    except BaseException:
        sock.close()
        raise
    return sock, answer.decode("latin-1")


def _context(cafile: str | None, verify: bool, check_hostname: bool = True) -> ssl.SSLContext:
    if not verify:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    context = ssl.create_default_context(cafile=cafile)
    context.check_hostname = check_hostname
    return context


def _verify(
    result: Handshake,
    sock: socket.socket,
    server_name: str,
    cafile: str | None,
    check_hostname: bool,
) -> tuple[int, str] | None:
    """A verifying handshake on SOCK: None when it verifies (recorded in RESULT), else
    OpenSSL's verify code and message."""
    context = _context(cafile, verify=True, check_hostname=check_hostname)
    try:
        with context.wrap_socket(sock, server_hostname=server_name) as tls:
            _record(result, tls)
            return None
    except ssl.SSLCertVerificationError as exc:
        return exc.verify_code, exc.verify_message


def handshake(
    address: tuple[str, int], server_name: str, cafile: str | None, timeout: float
) -> Handshake:
    """SSLRequest, then a verifying handshake. After a host-name failure, a second one
    verifies the chain alone; when verifying failed, a non-verifying one reads the
    certificate so that the report can say what is wrong with it.

    Raises OSError (refused, timeout) for the caller to report as a finding.
    """
    sock, answer = _ask_for_tls(address, timeout)
    result = Handshake(answer=answer if answer in ("S", "N") else "")
    if answer != "S":
        sock.close()
        return result
    failed = _verify(result, sock, server_name, cafile, check_hostname=True)
    if failed is None:
        result.verified = True
        return result
    result.verify_code, result.verify_message = failed
    if result.verify_code in (HOSTNAME_MISMATCH, IP_MISMATCH):
        result.chain_checked = True
        chain = _verify(result, _tls_again(address, timeout), server_name, cafile, False)
        if chain is None:
            return result
        result.chain_code, result.chain_message = chain
    with _context(None, verify=False).wrap_socket(
        _tls_again(address, timeout), server_hostname=server_name
    ) as tls:
        _record(result, tls)
    return result


def _tls_again(address: tuple[str, int], timeout: float) -> socket.socket:
    """A new connection that the server agreed to start TLS on."""
    sock, answer = _ask_for_tls(address, timeout)
    if answer != "S":
        sock.close()
        raise ConnectionError("the server stopped offering TLS between two connections")
    return sock


def _record(result: Handshake, tls: ssl.SSLSocket) -> None:
    result.protocol = tls.version()
    cipher = tls.cipher()
    result.cipher = cipher[0] if cipher else None
    der = tls.getpeercert(binary_form=True)
    if der:
        result.certificate = parse_certificate(der)


# Where distributions keep their CA bundle: Debian and Ubuntu, Fedora and RHEL,
# openSUSE, Alpine and macOS.
SYSTEM_CA_FILES = (
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/ssl/cert.pem",
)


def system_ca_file() -> str | None:
    """This machine's CA bundle as one file: SSL_CERT_FILE, the distribution's, or Python's
    OpenSSL default; None when there is none."""
    candidates = [os.environ.get("SSL_CERT_FILE", ""), *SYSTEM_CA_FILES]
    candidates.append(ssl.get_default_verify_paths().openssl_cafile)
    return next((c for c in candidates if c and os.path.isfile(c)), None)


_combined_dir: list[Path] = []


def combined_ca_file(paths: list[str]) -> str:
    """One PEM file with the CAs of every file in PATHS (libpq's sslrootcert takes one),
    in a private directory removed when the program ends."""
    data = b"".join(Path(p).read_bytes().strip() + b"\n" for p in paths)
    if not _combined_dir:
        _combined_dir.append(Path(tempfile.mkdtemp(prefix="proxyctl-ca-")))
        atexit.register(shutil.rmtree, _combined_dir[0], True)
    target = _combined_dir[0] / f"{hashlib.sha256(data).hexdigest()[:16]}.pem"
    if not target.exists():
        target.write_bytes(data)
    return str(target)


def now() -> datetime:
    return datetime.now(UTC)
