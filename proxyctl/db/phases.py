"""The data plane, phase by phase: resolve, TCP, TLS, authenticate, query.

Each phase is timed and reported as findings; the phases stop at the first
failure, and every phase that ran is reported. These phases say what happened; the
caller (check) supplies how a TLS handshake is judged and what a sign-in error means.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

from proxyctl.db import tls
from proxyctl.db.bounded import Overdue, within
from proxyctl.db.run import Phases, timed
from proxyctl.model.findings import Finding, Status, fail, ok, warn


def resolve(t: Phases) -> list[str]:
    name, port = t.target.dial
    with timed(t, "resolve") as out:
        try:  # the resolver's own retries can take long: bounded like every phase
            infos = within(
                t.timeout, lambda: socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
            )
        except Overdue:
            out.append(
                fail(
                    "dns.timeout",
                    "resolve",
                    f"no answer from the DNS resolver for {name} within {t.timeout:g} s.",
                    "Check this machine's DNS settings (inside a VPC: its DNS resolution "
                    "and hostnames settings), or raise --connect-timeout.",
                )
            )
            return []
        except socket.gaierror as exc:
            out.append(
                fail(
                    "dns.unresolved",
                    "resolve",
                    f"{name} does not resolve ({exc.strerror}).",
                    "Check the host name and the region in it; proxy endpoints look like "
                    "NAME.proxy-ID.REGION.rds.amazonaws.com (proxyctl token --proxy NAME "
                    "looks it up).",
                )
            )
            return []
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        private = [a for a in addresses if _private(a)]
        shown = ", ".join(addresses)
        via = t.target.via
        where = f"{name} (tunnel for {t.target.host})" if via else name
        if private and not via:
            out.append(
                warn(
                    "dns.private",
                    "resolve",
                    f"{where} resolves to private {shown}.",
                    "An RDS Proxy is reachable only from inside its VPC. From elsewhere, open a "
                    "tunnel (SSM port forwarding or SSH) and pass --via localhost:PORT.",
                    addresses=addresses,
                )
            )
        else:
            out.append(
                ok("dns.resolved", "resolve", f"{where} resolves to {shown}.", addresses=addresses)
            )
    return addresses


def _private(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return ip.is_private and not ip.is_loopback


def connect_tcp(t: Phases, addresses: list[str]) -> tuple[str, int] | None:
    port = t.target.dial[1]
    refused, timed_out = [], []
    with timed(t, "tcp") as out:
        for address in addresses:
            try:
                socket.create_connection((address, port), timeout=t.timeout).close()
            except TimeoutError:
                timed_out.append(address)
                continue
            except OSError:
                refused.append(address)
                continue
            out.append(
                ok("tcp.connected", "tcp", f"TCP to {address}:{port} works.", address=address)
            )
            return address, port
        if refused:
            out.append(
                fail(
                    "tcp.refused",
                    "tcp",
                    f"{', '.join(refused)}:{port} refused the connection.",
                    "Nothing listens there: check the port (RDS Proxy uses 5432), and that the "
                    "server or the tunnel is running.",
                )
            )
        else:
            out.append(
                fail(
                    "tcp.timeout",
                    "tcp",
                    f"no answer from {', '.join(timed_out)}:{port} within {t.timeout:g} s.",
                    "A security group, network ACL or route drops the traffic: allow TCP 5432 "
                    "from this machine in the proxy's security group (check --source-cidr).",
                )
            )
    return None


def check_tls(t: Phases, address: tuple[str, int]) -> bool:
    with timed(t, "tls") as out:
        try:
            result = tls.handshake(address, t.target.host, t.target.cafile, t.timeout)
        except TimeoutError:
            out.append(
                fail(
                    "tls.timeout",
                    "tls",
                    f"no answer to PostgreSQL's SSLRequest within {t.timeout:g} s.",
                    "Something accepts TCP there but does not speak PostgreSQL: a wrong port, a "
                    "load balancer, or a stuck tunnel.",
                )
            )
            return False
        except OSError as exc:
            out.append(
                fail("tls.io", "tls", f"the TLS start failed: {exc}.", "Run again with --debug.")
            )
            return False
        out.extend(t.read_tls(result))
    return not any(f.status is Status.FAIL for f in out)


def authenticate(phases: Phases, address: tuple[str, int]) -> Any:
    import psycopg

    t = phases.target
    password = t.password()  # before the clock starts: a prompt's typing time is not sign-in
    with timed(phases, "auth") as out:
        try:
            conn = psycopg.connect(
                host=t.host,
                hostaddr=address[0],
                port=address[1],
                user=t.user,
                dbname=t.database,
                password=password,
                sslmode="verify-full",
                sslrootcert=t.cafile,
                connect_timeout=max(1, round(phases.timeout)),
                application_name="proxyctl-check",
                autocommit=True,
            )
        except psycopg.OperationalError as exc:
            message = _last_line(str(exc))
            code, hint = phases.explain(message)
            out.append(
                fail(code, "auth", f"{t.user} could not sign in ({t.auth}): {message}", hint)
            )
            return None
        said = f"signed in as {t.user} to {t.database} ({t.auth}, TLS)."
        out.append(ok("auth.ok", "auth", said, ca_file=t.cafile))
    return conn


def _last_line(message: str) -> str:
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    return lines[-1] if lines else message


def run(t: Phases) -> list[Finding]:
    """Every phase in order, stopping at the first failure."""
    addresses = resolve(t)
    address = connect_tcp(t, addresses) if addresses else None
    if address is not None and check_tls(t, address):
        conn = authenticate(t, address)
        if conn is not None:
            from proxyctl.db.query import run_query

            run_query(t, conn)
    return t.findings
