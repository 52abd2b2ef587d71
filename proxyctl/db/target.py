"""Where to connect and as whom: the Target every command that connects is given, and the
trust store that fits an endpoint. Resolved from the connection options in one place
(proxyctl.reach)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

RDS_BUNDLE_URL = "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem"
# NAME.proxy-ID.REGION... and EP.endpoint.proxy-ID...; the AWS stand-in answers
# NAME.db-proxy-ID...: the same kind of endpoint, whatever the exact form.
_PROXY_HOST = re.compile(r"\.(?:db-)?proxy-[a-z0-9]+\.[a-z0-9-]+\.rds\.amazonaws\.com(\.cn)?$")
_RDS_HOST = re.compile(r"\.rds\.amazonaws\.com(\.cn)?$")


@dataclass(frozen=True)
class Target:
    """One endpoint, reached as one user. `host`/`port` are the real endpoint: TLS's SNI
    and certificate check and the IAM token use them, even when `via` reaches a tunnel.

    `password` is called at each sign-in; it is backed by a token cache (a fresh IAM token
    when the cached one nears its expiry) and never shown in the repr.
    """

    host: str
    port: int
    user: str
    database: str
    auth: str  # iam, secret or password
    password: Callable[[], str] = field(repr=False, compare=False)
    cafile: str  # one CA file for the TLS check and libpq alike (see trust_store)
    store: str  # what to call that trust store in messages
    store_hint: str | None = None  # what is missing from it, when something is
    via: tuple[str, int] | None = None  # a local tunnel reached instead of host:port
    proxy: str | None = None  # the proxy's name, when it was looked up
    region: str | None = None  # that proxy's region: IAM tokens are signed for it

    @property
    def dial(self) -> tuple[str, int]:
        """Where TCP goes: the tunnel with --via, else the endpoint itself."""
        return self.via if self.via else (self.host, self.port)

    @property
    def where(self) -> str:
        """USER@HOST:PORT, and the tunnel: how messages and reports name the target."""
        shown = f"{self.user}@{self.host}:{self.port}"
        if self.via is None:
            return shown
        name, port = self.via
        return f"{shown} via {f'[{name}]' if ':' in name else name}:{port}"

    def libpq_address(self) -> tuple[str | None, int]:
        """(hostaddr, port) for libpq, which keeps `host` for TLS: the tunnel's address
        (resolved here, as libpq takes only a numeric hostaddr) and port with --via; else
        no hostaddr (libpq resolves the host name) and the endpoint's port."""
        if self.via is None:
            return None, self.port
        import socket

        name, port = self.via
        found = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
        return str(found[0][4][0]), port


def is_proxy_host(host: str) -> bool:
    """An RDS Proxy endpoint name (its certificate chains to Amazon's roots)."""
    return _PROXY_HOST.search(host.lower().rstrip(".")) is not None


def trust_store(host: str, ca_bundle: str | None) -> tuple[str, str, str | None]:
    """(CA file, what to call it, what is missing) for HOST: one file, given both to the TLS
    check and to libpq, whose own default store may be a directory that does not exist
    (psycopg's wheels look in /usr/lib/psycopg-openssl).

    Proxy endpoints present ACM certificates that chain to Amazon's roots (in certifi),
    and keep them with --ca-bundle, which adds its CAs: one bundle then serves a drill
    over a proxy and a direct endpoint. Direct RDS endpoints need the RDS CA bundle;
    other hosts use --ca-bundle or the system's CA file.
    """
    import certifi

    from proxyctl.db.tls import combined_ca_file, system_ca_file

    amazon = "certifi (Amazon Trust Services roots)"
    if is_proxy_host(host):
        if ca_bundle:
            both = combined_ca_file([certifi.where(), ca_bundle])
            return both, f"{amazon} and --ca-bundle {ca_bundle}", None
        return certifi.where(), amazon, None
    if ca_bundle:
        return ca_bundle, f"--ca-bundle {ca_bundle}", None
    system = system_ca_file()
    if system is None:
        cafile, store = certifi.where(), "certifi (this machine has no system CA file)"
    else:
        cafile, store = system, f"the system trust store ({system})"
    if _RDS_HOST.search(host.lower().rstrip(".")):
        return (
            cafile,
            store,
            (
                "Direct RDS endpoints are signed by the RDS CA: download "
                f"{RDS_BUNDLE_URL} and pass "
                "--ca-bundle global-bundle.pem (or set ca_bundle in the config file)."
            ),
        )
    return cafile, store, None
