"""A relay that behaves like RDS Proxy where Ctrl-C is concerned: it terminates the
client's TLS (its own certificate, from its own CA), opens its own connection to the
server behind it, and never hands a cancel key to the client: the server's
BackendKeyData message is dropped (psycopg's backend_pid is then 0), and a
CancelRequest, plain or after TLS, is dropped without a word.

It relays parsed messages from the server (to find BackendKeyData) and raw bytes from
the client. One asyncio loop in a thread; `stop()` closes every connection.
"""

from __future__ import annotations

import asyncio
import ssl
import struct
import threading
from pathlib import Path

import trustme

SSL_REQUEST = 80877103
CANCEL_REQUEST = 80877102


class Relay:
    def __init__(self, backend: tuple[str, int], workdir: Path) -> None:
        self.backend = backend
        ca = trustme.CA()
        self.ca_file = workdir / "relay-ca.pem"
        ca.cert_pem.write_to_path(str(self.ca_file))
        self._tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("localhost").configure_cert(self._tls)
        self.cancels_dropped = 0
        self.keys_dropped = 0
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._server: asyncio.AbstractServer | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    def start(self) -> Relay:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the relay did not start")
        return self

    def stop(self) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()
            for writer in list(self._writers):
                writer.close()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)

        async def listen() -> None:
            self._server = await asyncio.start_server(self._client, "127.0.0.1", 0)
            self.port = self._server.sockets[0].getsockname()[1]
            self._ready.set()

        self._loop.run_until_complete(listen())
        self._loop.run_forever()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            head = await reader.readexactly(8)
            length, code = struct.unpack("!ii", head)
            if code == SSL_REQUEST:
                writer.write(b"S")
                await writer.drain()
                await writer.start_tls(self._tls)
                head = await reader.readexactly(8)
                length, code = struct.unpack("!ii", head)
            if code == CANCEL_REQUEST:
                self.cancels_dropped += 1  # as RDS Proxy: not supported, nothing said
                return
            startup = head + await reader.readexactly(length - 8)
            up_reader, up_writer = await asyncio.open_connection(*self.backend)
            self._writers.add(up_writer)
            up_writer.write(startup)
            await asyncio.gather(self._pipe(reader, up_writer), self._strip_keys(up_reader, writer))
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError, OSError):
            pass
        finally:
            for w in (writer, locals().get("up_writer")):
                if w is not None:
                    w.close()
                    self._writers.discard(w)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        finally:
            writer.close()

    async def _strip_keys(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                kind = await reader.readexactly(1)
                size = await reader.readexactly(4)
                body = await reader.readexactly(struct.unpack("!i", size)[0] - 4)
                if kind == b"K":
                    self.keys_dropped += 1
                    continue
                writer.write(kind + size + body)
                await writer.drain()
        finally:
            writer.close()
