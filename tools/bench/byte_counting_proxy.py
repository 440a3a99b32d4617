"""A TCP proxy on 127.0.0.1 that counts the bytes a server sends: the benchmarks' measure of
what a reader pulled from S3 (moto), the same for every client, whatever it reports itself."""

from __future__ import annotations

import asyncio
import socket
import threading
import time

CHUNK = 1 << 16


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


class ByteCountingProxy:
    """``with ByteCountingProxy(target_port) as proxy: ... proxy.url ... proxy.bytes_to_client``"""

    def __init__(self, target_port: int):
        self.target_port, self.port = target_port, free_port()
        self.bytes_to_client = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, daemon=True, name="byte-proxy"
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def reset(self) -> None:
        self.bytes_to_client = 0

    async def _pipe(self, reader, writer, count: bool) -> None:
        try:
            while data := await reader.read(CHUNK):
                if count:
                    self.bytes_to_client += len(data)
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    async def _handle(self, client_reader, client_writer) -> None:
        server_reader, server_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        await asyncio.gather(
            self._pipe(client_reader, server_writer, False),
            self._pipe(server_reader, client_writer, True),
        )

    def __enter__(self) -> ByteCountingProxy:
        self._thread.start()
        server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._handle, "127.0.0.1", self.port), self._loop
        )
        self._server = server.result(timeout=10)
        return self

    def __exit__(self, *exc) -> None:
        self._loop.call_soon_threadsafe(self._server.close)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
