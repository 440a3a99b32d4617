"""A small HTTP/1.1 load generator for the serving benchmark: one asyncio process, keep-alive
connections, raw sockets (a request costs the generator 0.04-0.12 ms of CPU, against ~1.2 ms
through an HTTP client library, so the generator takes less of the 2 cores it shares with
the server and Postgres).

Two ways to load a server, both with at most ``connections`` requests in flight:

- ``closed_loop``: each connection sends its next request as soon as the last one answers.
  It finds the saturation throughput; its latencies are those of a saturated machine.
- ``fixed_rate``: requests are scheduled at a constant rate (wrk2's model); each connection
  takes the next scheduled slot when it is free, and a request's latency is measured from
  its SCHEDULED start, so time spent waiting for a busy connection counts (no coordinated
  omission: a stall shows up in every request that should have been sent during it).
"""

from __future__ import annotations

import asyncio
import time
from urllib.parse import urlsplit

try:  # uvicorn's own event loop when installed: less CPU per request
    import uvloop
except ImportError:  # pragma: no cover - uvloop ships with uvicorn[standard] on Linux
    uvloop = None


def percentiles(latencies: list[float]) -> dict:
    ordered = sorted(latencies)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)

    return {"p50_ms": at(0.50), "p95_ms": at(0.95), "p99_ms": at(0.99), "requests": len(ordered)}


class _Connection:
    def __init__(self, host: str, port: int, headers: str):
        self.host, self.port, self.headers = host, port, headers
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> int:
        """One GET on this keep-alive connection; returns the status (body read, dropped)."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(f"GET {path} HTTP/1.1\r\n{self.headers}\r\n".encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = None
        for line in head.split(b"\r\n")[1:]:
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        if length is None:
            raise RuntimeError(f"no Content-Length in the answer to {path}")
        await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def _connections(base: str, token: str, count: int) -> list[_Connection]:
    url = urlsplit(base)
    headers = f"Host: {url.netloc}\r\nAuthorization: Bearer {token}\r\n"
    return [_Connection(url.hostname, url.port or 80, headers) for _ in range(count)]


async def _closed(base: str, token: str, paths: list[str], seconds: float, n: int) -> dict:
    latencies: list[float] = []
    errors = 0
    connections = _connections(base, token, n)
    clock = time.perf_counter
    deadline = clock() + seconds

    async def worker(offset: int, connection: _Connection):
        nonlocal errors
        i = offset
        while clock() < deadline:
            began = clock()
            status = await connection.get(paths[i % len(paths)])
            latencies.append(clock() - began)
            errors += status != 200
            i += n

    began, cpu = clock(), time.process_time()
    await asyncio.gather(*(worker(k, c) for k, c in enumerate(connections)))
    elapsed = clock() - began
    for connection in connections:
        connection.close()
    return {
        **percentiles(latencies),
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "errors": errors,
        "generator_cpu_ms_per_request": round(
            (time.process_time() - cpu) * 1000 / max(1, len(latencies)), 3
        ),
    }


async def _fixed(
    base: str, token: str, paths: list[str], seconds: float, rate: float, n: int
) -> dict:
    latencies: list[float] = []
    errors = 0
    late_starts = 0  # requests sent more than 1 ms after their slot: no connection was free
    total = int(seconds * rate)
    connections = _connections(base, token, n)
    clock = time.perf_counter
    next_slot = 0

    async def worker(connection: _Connection):
        nonlocal errors, next_slot, late_starts
        while next_slot < total:
            slot = next_slot
            next_slot += 1
            scheduled = start + slot / rate
            wait = scheduled - clock()
            if wait > 0:
                await asyncio.sleep(wait)
            elif wait < -0.001:
                late_starts += 1
            status = await connection.get(paths[slot % len(paths)])
            latencies.append(clock() - scheduled)
            errors += status != 200

    # Connect first: the schedule measures requests, not TCP handshakes.
    for connection in connections:
        await connection.get(paths[0])
    start, cpu = clock() + 0.05, time.process_time()
    await asyncio.gather(*(worker(c) for c in connections))
    elapsed = clock() - start
    for connection in connections:
        connection.close()
    return {
        **percentiles(latencies),
        "offered_per_s": rate,
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "errors": errors,
        "late_starts": late_starts,
        "generator_cpu_ms_per_request": round(
            (time.process_time() - cpu) * 1000 / max(1, len(latencies)), 3
        ),
    }


def _run(coroutine):
    if uvloop is not None:
        return uvloop.run(coroutine)
    return asyncio.run(coroutine)


def closed_loop(base: str, token: str, paths: list[str], seconds: float, connections=8) -> dict:
    """``connections`` clients sending back to back for ``seconds``: saturation throughput."""
    return _run(_closed(base, token, paths, seconds, connections))


def fixed_rate(
    base: str, token: str, paths: list[str], seconds: float, rate: float, connections=8
) -> dict:
    """``rate`` requests a second for ``seconds``, at most ``connections`` in flight; latency
    from each request's scheduled start."""
    return _run(_fixed(base, token, paths, seconds, rate, connections))
