"""A TCP port on 127.0.0.1 that forwards to a Unix socket: psql and BI tools for `make dev`.

The embedded Postgres listens on a Unix socket only (the pip package starts it with ``-h ""``,
which postgresql.conf cannot override), and most BI tools speak TCP only. The forwarder runs
in a daemon thread of the launcher and dies with it; it listens on loopback only.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from pathlib import Path

CHUNK = 1 << 16


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


def start_tcp_forward(port: int, unix_socket: Path, host: str = "127.0.0.1") -> threading.Thread:
    """Listen on ``host:port`` and forward each connection to ``unix_socket``. The port is
    bound before this returns, so a port in use fails here with OSError."""
    listener = socket.create_server((host, port), reuse_port=False)

    async def handle(client_reader, client_writer):
        try:
            server_reader, server_writer = await asyncio.open_unix_connection(str(unix_socket))
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(
            _pipe(client_reader, server_writer), _pipe(server_reader, client_writer)
        )

    async def serve():
        server = await asyncio.start_server(handle, sock=listener)
        async with server:
            await server.serve_forever()

    thread = threading.Thread(target=lambda: asyncio.run(serve()), daemon=True, name="pg-tcp")
    thread.start()
    return thread
