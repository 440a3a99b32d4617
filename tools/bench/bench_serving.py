"""Benchmark: the serving API (issue 15) at concurrency 8 on this machine.

(a) history of random active users, one page of 100, against what a user would do without
the copy: DuckDB over the type/time lake filtering on user_id; (b) stats over 30 days from
engagement.user_daily_activity; and what the copy costs per day of lake.

    python -m tools.bench.bench_serving     # SLUICE_TEST_POSTGRES_URL picks a server
    SLUICE_BENCH_SERVING_EVENTS=3000000 ... # the issue's scale (slower to build here)
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

EVENTS = int(os.environ.get("SLUICE_BENCH_SERVING_EVENTS", "600000"))
DAYS = int(os.environ.get("SLUICE_BENCH_SERVING_DAYS", "30"))
TYPES = int(os.environ.get("SLUICE_BENCH_SERVING_TYPES", "50"))
SECONDS = float(os.environ.get("SLUICE_BENCH_SERVING_SECONDS", "15"))
ALTERNATIVE_QUERIES = int(os.environ.get("SLUICE_BENCH_SERVING_ALT_QUERIES", "8"))
CONCURRENCY = 8
WORKERS = int(os.environ.get("SLUICE_BENCH_SERVING_WORKERS", "2"))  # uvicorn processes
# The marts' table (issue 14), filled here from the lake so this runs without dbt.
MART_DDL = """
CREATE SCHEMA IF NOT EXISTS engagement;
CREATE TABLE IF NOT EXISTS engagement.user_daily_activity (
    user_id text NOT NULL, event_date date NOT NULL, event_type text NOT NULL,
    events bigint NOT NULL,
    first_event_at timestamptz NOT NULL, last_event_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, event_date, event_type)
)
"""
TOKEN = "bench-token-0123456789abcdef"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentiles(latencies: list[float]) -> dict:
    ordered = sorted(latencies)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)

    return {"p50_ms": at(0.50), "p95_ms": at(0.95), "p99_ms": at(0.99), "requests": len(ordered)}


async def _load(base: str, paths: list[str], seconds: float) -> dict:
    """CONCURRENCY clients sending requests back to back for ``seconds``."""
    import httpx

    latencies: list[float] = []
    errors = 0
    headers = {"Authorization": f"Bearer {TOKEN}"}
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(
        base_url=base, headers=headers, limits=limits, timeout=60
    ) as client:
        deadline = time.perf_counter() + seconds

        async def worker(offset: int):
            nonlocal errors
            i = offset
            while time.perf_counter() < deadline:
                began = time.perf_counter()
                response = await client.get(paths[i % len(paths)])
                latencies.append(time.perf_counter() - began)
                errors += response.status_code != 200
                i += CONCURRENCY

        began = time.perf_counter()
        await asyncio.gather(*(worker(n) for n in range(CONCURRENCY)))
        elapsed = time.perf_counter() - began
    return {
        **percentiles(latencies),
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "errors": errors,
    }


def _alternative(storage_root: Path, users: list[str]) -> dict:
    """DuckDB over the whole type/time lake, filtering on user_id: 8 queries at a time."""
    import duckdb

    glob = str(storage_root / "lake" / "events" / "**" / "*.parquet")
    sql = (
        "SELECT event_id, event_type, created_at, attributes, meta "
        "FROM read_parquet(?, hive_partitioning=true) "
        "WHERE user_id = ? ORDER BY created_at, event_id LIMIT 100"
    )
    base = duckdb.connect()

    def one(user: str) -> float:
        cursor = base.cursor()
        began = time.perf_counter()
        cursor.execute(sql, [glob, user]).fetchall()
        cursor.close()
        return time.perf_counter() - began

    began = time.perf_counter()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        latencies = list(pool.map(one, users))
    elapsed = time.perf_counter() - began
    return {
        **percentiles(latencies),
        "requests_per_s": round(len(latencies) / elapsed, 2),
        "errors": 0,
    }


def _fill_mart(rows: list[tuple], postgres_url: str) -> float:
    import psycopg

    began = time.perf_counter()
    with psycopg.connect(postgres_url) as conn:
        conn.execute(MART_DDL)
        with conn.cursor().copy("COPY engagement.user_daily_activity FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        conn.execute("ANALYZE engagement.user_daily_activity")
    return time.perf_counter() - began


def _serve(storage_root: Path, postgres_url: str) -> tuple[subprocess.Popen, str]:
    import httpx

    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")}
    env.update(
        SLUICE_STORAGE_URL=str(storage_root),
        SLUICE_POSTGRES_URL=postgres_url,
        SLUICE_API_TOKENS=json.dumps({TOKEN: {"team": "bench", "scopes": ["history", "stats"]}}),
    )
    script = Path(sys.executable).parent / "sluice-api"
    server = subprocess.Popen(
        [str(script), "--port", str(port), "--log-level", "warning", "--workers", str(WORKERS)],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=5).status_code == 200:
                return server, base
        except httpx.HTTPError:
            time.sleep(0.3)
    server.kill()
    raise RuntimeError("sluice-api did not become healthy")


def run(workdir: Path) -> tuple[dict, str]:
    from platform_assets.lake_manifests import lake_files_by_date
    from platform_assets.serving.layout import ensure_buckets
    from platform_assets.serving.relayout import copy_date
    from resources.storage import StorageResource
    from tools.bench.serving_lake import build_lake
    from tools.embedded_postgres import create_database, drop_database

    server_url = (
        os.environ.get("SLUICE_TEST_POSTGRES_URL")
        or "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    root = workdir / "storage"
    storage = StorageResource(url=str(root))
    began = time.perf_counter()
    lake = build_lake(storage, EVENTS, DAYS, TYPES, users=max(1000, EVENTS // 20))
    build_seconds = time.perf_counter() - began
    lake_bytes = sum(o.size for o in storage.list_objects("lake/events/"))

    buckets = ensure_buckets(storage, 64)
    files = lake_files_by_date(storage, lake["dates"])
    copies = []
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        for event_date in lake["dates"]:
            copies.append(
                copy_date(storage, event_date, files[event_date], buckets, Path(tmp) / event_date)
            )
    copy_seconds = sum(c.seconds for c in copies)
    copy_bytes = sum(c.bytes_written for c in copies)

    database = f"sluice_bench_serving_{os.getpid()}"
    postgres_url = create_database(server_url, database, exist_ok=True)
    try:
        mart_seconds = _fill_mart(lake.pop("mart_rows"), postgres_url)
        server, base = _serve(root, postgres_url)
        try:
            rng = random.Random(7)
            active = lake["active_users"]
            users = [
                active[rng.randrange(len(active) // 2)] for _ in range(2000)
            ]  # the active half
            end = lake["dates"][-1]
            history = asyncio.run(
                _load(base, [f"/v1/users/{u}/events?limit=100" for u in users], SECONDS)
            )
            stats = asyncio.run(
                _load(base, [f"/v1/users/{u}/stats?days=30&end={end}" for u in users], SECONDS)
            )
        finally:
            server.terminate()
            server.wait(timeout=15)
        alternative = _alternative(root, users[:ALTERNATIVE_QUERIES])
    finally:
        drop_database(server_url, database)

    results = {
        "events": lake["events"],
        "days": DAYS,
        "types": TYPES,
        "users": len(lake["active_users"]),
        "lake_files": lake["lake_files"],
        "lake_bytes": lake_bytes,
        "build_lake_seconds": round(build_seconds, 1),
        "copy_seconds_per_day": round(copy_seconds / DAYS, 3),
        "copy_bytes_per_day": copy_bytes // DAYS,
        "lake_bytes_per_day": lake_bytes // DAYS,
        "mart_fill_seconds": round(mart_seconds, 1),
        "history": history,
        "history_alternative": alternative,
        "stats": stats,
        "load_average": os.getloadavg()[0],
        "workers": WORKERS,
    }
    return results, markdown(results)


def markdown(r: dict) -> str:
    ratio = r["history_alternative"]["p99_ms"] / max(r["history"]["p99_ms"], 1e-9)
    rows = [
        ("history, API (one page of 100, random active users)", r["history"]),
        (
            "history, alternative: DuckDB over the type/time lake, WHERE user_id",
            r["history_alternative"],
        ),
        ("stats over 30 days, API (engagement.user_daily_activity)", r["stats"]),
    ]
    table = "| request | requests | p50 ms | p95 ms | p99 ms | requests/s | errors |\n"
    table += "|---|---:|---:|---:|---:|---:|---:|\n"
    table += "".join(
        f"| {name} | {m['requests']} | {m['p50_ms']} | {m['p95_ms']} | {m['p99_ms']} "
        f"| {m['requests_per_s']} | {m['errors']} |\n"
        for name, m in rows
    )
    stats_ok = r["stats"]["p99_ms"] < 25 and r["stats"]["requests_per_s"] >= 300
    return (
        f"## Serving API (issue 15)\n\n"
        f"{r['events']:,} events over {r['days']} days ({r['types']} types, {r['users']:,} users, "
        f"{r['lake_files']:,} lake files, {r['lake_bytes'] / 2**20:.0f} MB), sluice-api "
        f"({r['workers']} uvicorn worker process(es)) and the load generator (httpx, "
        f"concurrency 8) on this machine; load average {r['load_average']:.1f} at the end "
        f"(other work shares the 2 cores).\n\n{table}\n"
        f"History p99, alternative / API: **{ratio:.0f}x** (target >= 50x). Stats: p99 "
        f"{r['stats']['p99_ms']} ms at {r['stats']['requests_per_s']} requests/s "
        f"(target < 25 ms at >= 300/s): {'met' if stats_ok else 'NOT met'}.\n\n"
        f"The copy costs {r['copy_seconds_per_day']} s and "
        f"{r['copy_bytes_per_day'] / 2**20:.1f} MB per day of lake "
        f"({r['lake_bytes_per_day'] / 2**20:.1f} MB of lake a day; 64 buckets).\n\n"
        "Scale: the issue asks for >= 3M events; building that lake here (one file per type, "
        "event hour and day) would take most of the 5-minute budget, so the default is "
        f"{r['events']:,} (`SLUICE_BENCH_SERVING_EVENTS` for more). What each number depends on: "
        "a history page reads the user's bucket file of each date (30 here, ~1 row group each "
        "at this size): 5x the events make each bucket-day file 5x larger but a lookup still "
        "reads one or two 2,048-row groups per date, so its latency should stay about the same; "
        "the alternative reads every lake file's footer and user_id column, so it grows with "
        "the number of files and rows (5x the events over 300 types: ~6x the files) and the "
        "ratio with it. Stats are one index range scan whatever the mart's size. The copy's "
        "cost is linear in the day's lake files and rows. Latencies here are measured while "
        "other work shares the 2 cores (load average above): the stats p99 is the tail of "
        "waiting for a core, not of the query (p50 vs p99).\n"
    )


if __name__ == "__main__":
    directory = Path(tempfile.mkdtemp(prefix="sluice-bench-serving-"))
    result, text = run(directory)
    print(json.dumps({k: v for k, v in result.items()}, indent=1))
    print(text)
