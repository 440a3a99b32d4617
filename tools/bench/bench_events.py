"""Events benchmark: the assets' own code against DuckDB on the same files, same rules.

1. 1M events over 24 arrival hours, ingested as ONE Dagster range run (the CLI a user
   runs), and the same files through DuckDB read_csv + json checks + COPY PARTITION_BY;
   alternating attempts (SLUICE_BENCH_DAY_ATTEMPTS, default 3), best of each.
2. Peak RSS of one 1M-event hour and one 4M-event hour (memory must not follow the hour).
3. A raw_events_sensor tick over 100k landing keys.
4. One type in one hour from the lake vs a scan of the raw JSON.
5. An hour of ~10 KB events (the brief's size): MB/s, MB per CPU second, peak RSS (memory
   is bounded in bytes as well as lines). Alone: ``... bench_events big-records [WORKDIR]``.

Run alone: ``python -m tools.bench.bench_events [WORKDIR]``.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from resources.storage import StorageResource
from tools.bench.bench_big_records import big_records_hour, big_records_markdown
from tools.bench.measure import measure_in_fresh_process, run_tree_peak_rss
from tools.dagster_cli import day_backfill_command
from tools.generate.events import generate_events

DAY_EVENTS = int(os.environ.get("SLUICE_BENCH_DAY_EVENTS", 1_000_000))
BIG_HOUR_EVENTS = int(os.environ.get("SLUICE_BENCH_BIG_HOUR_EVENTS", 4_000_000))
SENSOR_KEYS = int(os.environ.get("SLUICE_BENCH_SENSOR_KEYS", 100_000))
DAY_ATTEMPTS = int(os.environ.get("SLUICE_BENCH_DAY_ATTEMPTS", 3))
DAY = "2025-01-01"


def _fresh_storage(storage_dir: Path, day_dir: Path) -> Path:
    """Empty storage whose landing area is the day's (a symlink: no copy to time)."""
    storage_dir.mkdir(parents=True)
    (storage_dir / "landing").symlink_to(day_dir / "landing", target_is_directory=True)
    return storage_dir


def _range_run(workdir: Path, storage_dir: Path) -> dict:
    home = workdir / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text("")
    env = {**os.environ, "DAGSTER_HOME": str(home), "SLUICE_STORAGE_URL": str(storage_dir)}
    command = day_backfill_command(DAY)
    seconds, cpu_seconds, peak = run_tree_peak_rss(command, env)
    files = sum(1 for _ in (storage_dir / "lake" / "events").glob("event_type=*/*/*/*.parquet"))
    return {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu_seconds, 1),
        "peak_rss_mb": round(peak, 1),
        "lake_files": files,
    }


def _sensor_tick(workdir: Path) -> dict:
    from dagster import DagsterInstance, build_sensor_context

    from platform_assets.definitions import defs

    root = workdir / "sensor-storage"
    landing = root / "landing" / "events"
    per_hour = 1000
    for index in range(SENSOR_KEYS):
        hour_dir = (
            landing / f"2025/02/{1 + index // per_hour // 24:02d}/{index // per_hour % 24:02d}"
        )
        if index % per_hour == 0:
            hour_dir.mkdir(parents=True, exist_ok=True)
        (hour_dir / f"events-{index:08d}.jsonl").touch()
    storage = StorageResource(url=str(root))
    sensor = defs.get_sensor_def("raw_events_sensor")
    cursor, ticks, requests, tick_seconds = None, [], 0, []
    with DagsterInstance.ephemeral() as instance:
        while True:
            context = build_sensor_context(
                instance=instance,
                repository_def=defs.get_repository_def(),
                resources={"storage": storage},
                cursor=cursor,
            )
            began = time.perf_counter()
            result = sensor.evaluate_tick(context)
            tick_seconds.append(time.perf_counter() - began)
            cursor = result.cursor
            requests += len(result.run_requests)
            ticks.append(len(result.run_requests))
            if not result.run_requests:
                break
    return {
        "landing_keys": SENSOR_KEYS,
        "ticks_to_catch_up": len(ticks) - 1,
        "run_requests": requests,
        "max_tick_seconds": round(max(tick_seconds[:-1] or [0]), 3),
        "idle_tick_seconds": round(tick_seconds[-1], 3),
        "cursor_bytes": len(cursor or ""),
    }


def _query_speedup(storage_dir: Path) -> dict:
    con = duckdb.connect()
    lake = storage_dir / "lake" / "events"
    top = con.execute(
        f"SELECT event_type FROM read_parquet('{lake}/*/event_date={DAY}/event_hour=12/*.parquet', "
        "hive_partitioning=true) GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
    ).fetchone()[0]
    cell = lake / f"event_type={top}" / f"event_date={DAY}" / "event_hour=12"
    began = time.perf_counter()
    lake_count = con.execute(f"SELECT count(*) FROM read_parquet('{cell}/*.parquet')").fetchone()[0]
    lake_seconds = time.perf_counter() - began
    landing = storage_dir / "landing" / "events"
    low = int(time.mktime(time.strptime(f"{DAY} 12", "%Y-%m-%d %H")) - time.timezone) * 1000
    began = time.perf_counter()
    raw_count = con.execute(
        f"""SELECT count(DISTINCT json->>'$.data.id')
            FROM read_ndjson_objects('{landing}/**/*.jsonl', ignore_errors=true)
            WHERE json->>'$.data.type' = '{top}'
              AND TRY_CAST(json->>'$.meta.created_at' AS BIGINT) BETWEEN {low} AND \
{low + 3_599_999}"""
    ).fetchone()[0]
    raw_seconds = time.perf_counter() - began
    return {
        "event_type": top,
        "lake_rows": lake_count,
        "raw_scan_rows": raw_count,
        "lake_seconds": round(lake_seconds, 4),
        "raw_scan_seconds": round(raw_seconds, 3),
        "speedup": round(raw_seconds / lake_seconds, 1),
    }


def run(workdir: Path) -> tuple[dict, str]:
    workdir.mkdir(parents=True, exist_ok=True)
    day_dir = workdir / "day"
    day = generate_events(
        StorageResource(url=str(day_dir)), events=DAY_EVENTS, start=f"{DAY}T00", hours=24, seed=11
    )
    input_mb = day["bytes_written"] / 2**20 if "bytes_written" in day else None
    # Alternating attempts, each on fresh output, best of each: on a shared machine one
    # attempt of either side can be 30% off (see docs/events.md).
    attempts = []
    for attempt in range(DAY_ATTEMPTS):
        storage_dir = (
            day_dir if attempt == 0 else _fresh_storage(workdir / f"day-{attempt}", day_dir)
        )
        attempts.append(
            {
                "sluice": _range_run(workdir / f"range-{attempt}", storage_dir),
                "duckdb": measure_in_fresh_process(
                    "duckdb_baseline",
                    landing_dir=str(day_dir / "landing" / "events"),
                    out_dir=str(workdir / f"duck-{attempt}"),
                    first_hour=f"{DAY}T00",
                    hours=24,
                ),
            }
        )
    ours = dict(min((a["sluice"] for a in attempts), key=lambda r: r["seconds"]))
    duck = dict(min((a["duckdb"] for a in attempts), key=lambda r: r["seconds"]))
    try:  # the same job with DuckDB held to about our memory
        capped = measure_in_fresh_process(
            "duckdb_baseline",
            landing_dir=str(day_dir / "landing" / "events"),
            out_dir=str(workdir / "duck-1g"),
            first_hour=f"{DAY}T00",
            hours=24,
            memory_limit="1GB",
        )
        capped_text = f"{capped['seconds']} s, peak RSS {capped['peak_rss_mb']} MB"
    except RuntimeError as err:
        capped = {"error": str(err)[-300:]}
        capped_text = "failed: " + (
            "out of memory" if "Out of Memory" in str(err) else str(err)[-120:]
        )
    ours["events_per_second"] = round(DAY_EVENTS / ours["seconds"])
    duck["events_per_second"] = round(DAY_EVENTS / duck["seconds"])
    if input_mb:
        ours["mb_per_second"] = round(input_mb / ours["seconds"], 1)
        duck["mb_per_second"] = round(input_mb / duck["seconds"], 1)

    hours = {}
    for label, events in (("1M", 1_000_000), ("4M", BIG_HOUR_EVENTS)):
        hour_dir = workdir / f"hour-{label}"
        generate_events(
            StorageResource(url=str(hour_dir)),
            events=events,
            start="2025-03-01T10",
            hours=1,
            files_per_hour=max(1, events // 250_000),
            seed=5,
        )
        hours[label] = measure_in_fresh_process(
            "ingest_hours", storage_url=str(hour_dir), first_hour="2025-03-01T10", hours=1
        )
        hours[label]["events_per_second"] = round(hours[label]["read"] / hours[label]["seconds"])
    ratio = hours["4M"]["peak_rss_mb"] / hours["1M"]["peak_rss_mb"]
    sensor = _sensor_tick(workdir)
    query = _query_speedup(day_dir)
    big = big_records_hour(workdir)

    results = {
        "day": {
            "events": DAY_EVENTS,
            "input_mb": round(input_mb or 0, 1),
            "sluice_range_run": ours,
            "duckdb": duck,
            "attempts": [{side: result["seconds"] for side, result in a.items()} for a in attempts],
            "duckdb_memory_limit_1gb": capped,
            "throughput_ratio_vs_duckdb": round(duck["seconds"] / ours["seconds"], 2),
            "cpu_ratio_vs_duckdb": round(duck["cpu_seconds"] / ours["cpu_seconds"], 2),
        },
        "single_hour": hours,
        "rss_ratio_4m_vs_1m": round(ratio, 2),
        "sensor": sensor,
        "query": query,
        "big_records_hour": big,
    }
    md = f"""## Events lake (issue 2)

{DAY_EVENTS:,} generated events over 24 arrival hours ({results["day"]["input_mb"]} MB of JSON \
lines, 300 types,
2% malformed, 2% late, 1% redelivered), on this machine (2 cores), in one run:

| pipeline | seconds | CPU seconds | events/s | MB/s | peak RSS (MB) | lake files |
|---|---:|---:|---:|---:|---:|---:|
| Sluice, one Dagster range run of 24 hours (CLI, whole process tree) | {ours["seconds"]} | \
{ours["cpu_seconds"]} | {ours["events_per_second"]:,} | {ours.get("mb_per_second", "")} | \
{ours["peak_rss_mb"]} | {ours["lake_files"]:,} |
| DuckDB read_csv + json checks + COPY PARTITION_BY, same rules | {duck["seconds"]} | \
{duck["cpu_seconds"]} | {duck["events_per_second"]:,} | {duck.get("mb_per_second", "")} | \
{duck["peak_rss_mb"]} | {duck["lake_files_written"]:,} |

Best of {DAY_ATTEMPTS} alternating attempts each, on fresh output (seconds, Sluice / DuckDB:
{", ".join(f"{a['sluice']} / {a['duckdb']}" for a in results["day"]["attempts"])}).
Throughput ratio Sluice / DuckDB: **{results["day"]["throughput_ratio_vs_duckdb"]}** (target >= \
1.0); CPU
seconds per event, DuckDB / Sluice: {results["day"]["cpu_ratio_vs_duckdb"]} (CPU time is steadier \
than wall time on a
shared 2-core machine).
DuckDB with `memory_limit='1GB'` (about Sluice's footprint) on the same job: {capped_text}.

Memory does not follow the size of the hour (ingest_hour in a fresh process):

| hour | events | seconds | events/s | peak RSS (MB) |
|---|---:|---:|---:|---:|
| 1M-event hour | {hours["1M"]["read"]:,} | {hours["1M"]["seconds"]} | \
{hours["1M"]["events_per_second"]:,} | {hours["1M"]["peak_rss_mb"]} |
| 4M-event hour | {hours["4M"]["read"]:,} | {hours["4M"]["seconds"]} | \
{hours["4M"]["events_per_second"]:,} | {hours["4M"]["peak_rss_mb"]} |

Peak RSS 4M / 1M: **{results["rss_ratio_4m_vs_1m"]}** (target <= 1.2, and under 1024 MB).

{big_records_markdown(big)}
raw_events_sensor over {SENSOR_KEYS:,} landing keys (local storage, 10,000 keys a tick): caught up \
in
{sensor["ticks_to_catch_up"]} ticks, {sensor["run_requests"]} run requests, slowest tick \
{sensor["max_tick_seconds"]} s,
a tick with nothing new {sensor["idle_tick_seconds"]} s, cursor {sensor["cursor_bytes"]:,} bytes.

One type (`{query["event_type"]}`) in one hour: reading its lake directory took \
{query["lake_seconds"]} s
({query["lake_rows"]:,} rows) against {query["raw_scan_seconds"]} s to scan all raw JSON
({query["raw_scan_rows"]:,} distinct ids): **{query["speedup"]}x** faster.
"""
    return results, md


def main() -> None:
    args = sys.argv[1:]
    only_big = bool(args) and args[0] == "big-records"
    args = args[1:] if only_big else args
    workdir = Path(args[0]) if args else Path(tempfile.mkdtemp(prefix="sluice-bench-events-"))
    if only_big:
        workdir.mkdir(parents=True, exist_ok=True)
        big = big_records_hour(workdir)
        print(json.dumps(big, indent=2))
        print(big_records_markdown(big))
        return
    results, markdown = run(workdir)
    print(json.dumps(results, indent=2))
    print(markdown)


if __name__ == "__main__":
    main()
