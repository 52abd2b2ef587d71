"""The lab's RDS Proxy: a front on loopback that behaves like RDS Proxy where a client can
see it, with PgBouncer behind it doing the pooling.

A client finds TLS required (a certificate for the proxy's endpoint name, from the lab
CA), IAM or secret sign-in with RDS Proxy's error texts (`signin`), no BackendKeyData
(so no cancel: a CancelRequest is dropped, as through the real proxy), and its session
relayed to PgBouncer, which the front signs in to as the same user with the password
from the proxy's secret. The front recognises statements that pin a session (the rules
of `proxyctl.pinrules`), logs RDS Proxy's line for the first of each session to the
AWS stand-in's `/aws/rds/proxy/NAME`, and publishes the proxy's metrics there. Pins are
detected and logged only: the pooler goes on multiplexing a pinned session.

The front runs its own asyncio loop in a thread of its own: `start()` returns once it
listens, `stop()` ends every session and the thread.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import threading
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from proxyctl.lab import backend, publish, signin, wire
from proxyctl.lab.errors import LabFailed
from proxyctl.lab.relay import Relay, Session
from proxyctl.lab.tokencheck import TokenRules

BORROW_TIMED_OUT = "Timed-out waiting to acquire database connection."
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FrontConfig:
    """What a front serves, and with what. Passwords and keys are kept out of its repr."""

    proxy: str  # the proxy's name: log group /aws/rds/proxy/NAME, metrics' ProxyName
    endpoint: str  # its endpoint host name: the certificate's name and the tokens' host
    port: int  # the endpoint port clients sign tokens for (5432)
    listen: tuple[str, int]  # loopback address and port to listen on (0 = pick one)
    cert_file: Path  # certificate chain for `endpoint`, from the lab CA
    key_file: Path
    backend: tuple[str, int]  # the PgBouncer it relays to, on loopback
    region: str  # the lab's region and credentials, against which tokens are checked
    access_key: str
    secret_key: str = field(repr=False)
    passwords: dict[str, str] = field(repr=False)  # user -> password, from the secrets
    iam: bool = True  # IAM auth REQUIRED; else the secret's password signs a user in
    aws_url: str = ""  # the AWS stand-in for logs and metrics; "" publishes nothing
    # PgBouncer's admin console, for DatabaseConnections as the pooler counts them; without
    # it the front counts the server connections it holds itself.
    admin_user: str | None = None
    admin_password: str | None = field(default=None, repr=False)
    max_database_connections: int = 0  # MaxDatabaseConnectionsAllowed; 0: not published
    metrics_interval: float = 5.0  # seconds between metric publications
    log_interval: float = 1.0  # seconds between batches of pin log lines
    borrow_timeout: float = 120.0  # ConnectionBorrowTimeout: wait for PgBouncer this long
    startup_timeout: float = 30.0  # a client that does not finish signing in is dropped


class Front:
    """A running front; see the module docstring."""

    def __init__(self, config: FrontConfig) -> None:
        self.config = config
        self.counters = publish.new_counters()
        self.counters[publish.MAX_ALLOWED] = float(config.max_database_connections)
        self._loop = asyncio.new_event_loop()
        self._thread: threading.Thread | None = None
        self._listening = threading.Event()
        self._error: BaseException | None = None
        self._address: tuple[str, int] | None = None
        self._clients: set[asyncio.StreamWriter] = set()
        self._relay = Relay(config, self.counters)

    @property
    def address(self) -> tuple[str, int]:
        """Where it listens: (host, port)."""
        if self._address is None:
            raise LabFailed(f"the proxy front of {self.config.proxy} is not listening")
        return self._address

    def start(self) -> None:
        """Listen, and start the log and metric publishers; returns once listening."""
        self._thread = threading.Thread(target=self._run, name=f"front-{self.config.proxy}")
        self._thread.daemon = True
        self._thread.start()
        self._listening.wait(30)
        if self._address is None:
            self.stop()
            raise LabFailed(
                f"the proxy front of {self.config.proxy} could not listen on "
                f"{self.config.listen[0]}:{self.config.listen[1]}: {self._error}"
            )
        self._relay.start_publishers(self.stats)

    def stop(self) -> None:
        """Close every session and the listener, end the thread, flush the publishers."""
        if self._thread is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(30)
        self._relay.stop_publishers()

    def stats(self) -> dict[str, float]:
        """The counters (publish.GAUGES and COUNTS, and the borrow sums), with the pooler's
        own count of server connections when its admin console is configured. Call it from
        any thread but the front's own."""
        counters = dict(self.counters)
        if self.config.admin_user and self._thread is not None and self._thread.is_alive():
            pools = asyncio.run_coroutine_threadsafe(self._relay.pool_counts(), self._loop)
            try:
                counters.update(pools.result(self.config.metrics_interval or 5.0))
            except Exception as exc:
                log.warning("PgBouncer's SHOW POOLS failed: %s", exc)
        return counters

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            server = self._loop.run_until_complete(self._listen())
        except Exception as exc:
            self._error = exc
            self._listening.set()
            self._loop.close()
            return
        self._listening.set()
        try:
            self._loop.run_forever()
        finally:
            server.close()
            self._loop.run_until_complete(self._end_sessions())
            self._loop.close()

    async def _listen(self) -> asyncio.Server:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.config.cert_file, self.config.key_file)
        host, port = self.config.listen
        server = await asyncio.start_server(
            lambda r, w: self._serve(r, w, context), host, port, reuse_address=True
        )
        bound = server.sockets[0].getsockname()
        self._address = (str(bound[0]), int(bound[1]))
        return server

    async def _end_sessions(self) -> None:
        # Abort, not close: a TLS close waits (up to 30 s) for the client's own close.
        for client in self._clients:
            client.transport.abort()
        tasks = [t for t in asyncio.all_tasks(self._loop) if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _serve(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, context: ssl.SSLContext
    ) -> None:
        counters = self.counters
        self._clients.add(writer)
        counters["ClientConnectionsReceived"] += 1
        counters["ClientConnections"] += 1
        try:
            admitted = await asyncio.wait_for(
                self._sign_in(reader, writer, context), self.config.startup_timeout
            )
            # The borrow has its own bound (borrow_timeout), as RDS Proxy's has.
            session = await self._borrow(reader, writer, *admitted) if admitted else None
            if session is not None:
                await self._relay.run(session)
        except (OSError, EOFError, ssl.SSLError, wire.ProtocolViolation, TimeoutError) as exc:
            log.info("client connection ended: %s", exc.__class__.__name__)
        finally:
            tls = writer.get_extra_info("ssl_object") is not None
            counters["ClientConnectionsTLS" if tls else "ClientConnectionsNoTLS"] += 1
            counters["ClientConnections"] -= 1
            counters["ClientConnectionsClosed"] += 1
            self._clients.discard(writer)
            writer.close()
            with suppress(Exception):
                await writer.wait_closed()

    async def _sign_in(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, context: ssl.SSLContext
    ) -> tuple[str, str, dict[str, str]] | None:
        """The user, the password to sign in to PgBouncer with, and the start-up settings
        of a client let in; None when it was turned away (and told why) or asked for a
        cancel."""
        config = self.config
        try:
            greeting = await signin.greet(reader, writer, context)
            if greeting.cancel:
                return None  # the proxy gives out no cancel keys: nothing to cancel
            user = signin.check_parameters(greeting.parameters)
            password = await signin.ask_password(reader, writer)
            rules = TokenRules(
                config.endpoint, config.port, config.region, config.access_key, config.secret_key
            )
            secret = signin.check_password(
                user, password, config.passwords, rules if config.iam else None
            )
        except signin.Refusal as refusal:
            self._refused(refusal, writer)
            return None
        return user, secret, greeting.parameters

    def _refused(self, refusal: signin.Refusal, writer: asyncio.StreamWriter) -> None:
        log.info("client refused: %s", refusal.reason)
        if refusal.auth:
            self.counters["ClientConnectionsSetupFailedAuth"] += 1
        writer.write(refusal.packet())

    async def _borrow(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        user: str,
        secret: str,
        parameters: dict[str, str],
    ) -> Session | None:
        """PgBouncer signed in as USER, and the client told it is in."""
        passed = {k: v for k, v in parameters.items() if k not in signin.NOT_PASSED}
        try:
            server = await self._relay.borrow(user, secret, passed, self.config.borrow_timeout)
        except TimeoutError:
            writer.write(wire.error_response("FATAL", "08001", BORROW_TIMED_OUT))
            return None
        except (OSError, backend.BackendRefused) as exc:
            text = getattr(exc, "text", str(exc))
            sqlstate = getattr(exc, "sqlstate", "08001")
            writer.write(
                wire.error_response("FATAL", sqlstate, f"Request returned an error: {text}")
            )
            return None
        hello = wire.authentication(0)
        hello += b"".join(wire.parameter_status(k, v) for k, v in server.parameters.items())
        writer.write(hello + wire.ready_for_query())
        self.counters["ClientConnectionsSetupSucceeded"] += 1
        return Session(reader, writer, server, user)
