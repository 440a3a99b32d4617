"""Event marts benchmark: a 30-day lake (~3M events), full build, then one date's refresh.

Both builds are the issue's CLI (``dagster asset materialize --select <event models>
--partition-range/--partition``) in a fresh process: Dagster start-up, dbt, the DuckDB
session and the publish into Postgres all count. A run over a date with no lake files
measures the fixed part. The baseline is the same SQL run by hand in one DuckDB session over
a hive glob of the lake. Publishing is measured on its own too: the largest mart's rows
inserted into Postgres the way the ``published`` materialization does it.

The lake is written directly in the lake layout (pyarrow, zstd, one file per type x hour
cell, user_id from a long-tailed population) rather than ingested: this measures the marts.
What the ingest writes beside it is written the ingest's own way (its RollupBuilder and
manifest writer): each hour's per-date rollups and a complete manifest listing its lake files
and rollups, so the marts and their reconciliation check read what they read in production.
The check's own time is reported apart (its step, from the run's event log). The hand-SQL
baseline computes the same figures as the build: the three marts and the check's per-date
event counts.

Run alone: ``python -m tools.bench.bench_marts [WORKDIR]``. Uses SLUICE_TEST_POSTGRES_URL
when set (a server where it may create a database), else an embedded server under WORKDIR.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import psycopg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from resources.migrations import apply_migrations
from resources.storage import StorageResource
from tools.dagster_cli import materialize_command
from tools.embedded_postgres import create_database, drop_database, start_embedded_postgres

EVENTS = int(os.environ.get("SLUICE_BENCH_MARTS_EVENTS", 3_000_000))
DAYS = 30
FIRST = date(2025, 1, 1)
REFRESH_DATE = "2025-01-15"
EMPTY_DATE = "2025-03-01"  # no lake files: the fixed cost of a run
TYPES, USERS = 300, EVENTS // 20
MODELS = (
    "staging/stg_events,product/events_daily,"
    "engagement/user_daily_activity,engagement/daily_active_users"
)
HAND_SQL = """
create temp table lake as select event_type, event_date, created_at, user_id
  from read_parquet('{lake}/*/*/*/*.parquet', hive_partitioning = true,
                    hive_types = {{'event_date': date}});
create temp table events_daily as select event_date, event_type, count(*) events,
  count(distinct user_id) users from lake group by all;
create temp table user_daily_activity as select user_id, event_date, event_type, count(*) events,
  min(created_at) first_event_at, max(created_at) last_event_at from lake where user_id is not \
null group by all;
create temp table daily_active_users as select event_date, count(distinct user_id) active_users,
  count(user_id) user_events from lake where user_id is not null group by all;
create temp table events_per_date as select event_date, count(*) events from lake group by all;
"""


def write_lake(lake_dir: Path) -> None:
    """EVENTS events over DAYS days in the lake layout, a day at a time (bounded memory)."""
    rng = np.random.default_rng(7)
    type_weights = 1.0 / np.arange(1, TYPES + 1) ** 1.1
    type_weights /= type_weights.sum()
    users = np.array([f"user-{n:07d}" for n in range(USERS)], dtype=object)
    per_day = EVENTS // DAYS
    for day in range(DAYS):
        files: list[str] = []
        start_ms = int(
            datetime.combine(FIRST + timedelta(days=day), datetime.min.time(), UTC).timestamp()
            * 1000
        )
        created = np.sort(start_ms + rng.integers(0, 86_400_000, per_day))
        user_rank = (USERS * rng.random(per_day) ** 2).astype(np.int64)
        user_ids = users[user_rank].astype(object)
        user_ids[rng.random(per_day) < 0.1] = None  # types without a user
        hours = ((created - start_ms) // 3_600_000).astype(np.int32)
        table = pa.table(
            {
                "event_id": pa.array([f"e{day}-{n}" for n in range(per_day)]),
                "created_at": pa.array(created, pa.timestamp("ms", tz="UTC")),
                "attributes": pa.array(['{"k":1}'] * per_day),
                "meta": pa.array(['{"created_at":0}'] * per_day),
                "source_key": pa.array(["landing/bench.jsonl"] * per_day),
                "line_number": pa.array(np.arange(per_day)),
                "user_id": pa.array(user_ids, pa.string()),
                "event_type": pa.array(
                    np.array([f"type_{t:03d}" for t in range(TYPES)])[
                        rng.choice(TYPES, per_day, p=type_weights)
                    ]
                ),
                "event_date": pa.array([(FIRST + timedelta(days=day)).isoformat()] * per_day),
                "event_hour": pa.array([f"{h:02d}" for h in hours]),
            }
        )
        ds.write_dataset(
            table,
            str(lake_dir),
            format="parquet",
            partitioning=["event_type", "event_date", "event_hour"],
            partitioning_flavor="hive",
            basename_template=f"bench-{day}-{{i}}.parquet",
            existing_data_behavior="overwrite_or_ignore",
            max_partitions=1 << 20,
            max_open_files=4096,
            file_options=ds.ParquetFileFormat().make_write_options(compression="zstd"),
            file_visitor=lambda written: files.append(written.path),
        )
        commit_day(lake_dir, FIRST + timedelta(days=day), files, table)


def commit_day(lake_dir: Path, day: date, files: list[str], table: pa.Table) -> None:
    """Per arrival hour (here: the event hour), what the ingest publishes with its lake files:
    the hour's rollups (its RollupBuilder over the rows written), then a complete manifest
    listing the files and rollups (its manifest writer). Readers (the marts, the check) read
    only what a committed manifest lists."""
    from platform_assets.events.manifest import Manifest, write_manifest
    from platform_assets.events.rollups import RollupBuilder

    root = lake_dir.parents[1]
    storage = StorageResource(url=str(root))
    by_hour: dict[int, list[str]] = {}
    for path in files:
        key = str(Path(path).relative_to(root))
        by_hour.setdefault(int(key.split("event_hour=")[1][:2]), []).append(key)
    hours = pc.cast(table.column("event_hour"), pa.int32())
    for hour, keys in sorted(by_hour.items()):
        arrival_hour = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=hour)
        rollup = RollupBuilder(arrival_hour)
        rollup.add(table.filter(pc.equal(hours, hour)))
        rollups = rollup.publish(storage, arrival_hour, [], root)
        write_manifest(storage, arrival_hour, Manifest(sorted(keys), True, rollups=rollups), None)


def files_and_bytes(lake_dir: Path, event_date: str | None) -> tuple[int, int]:
    pattern = f"*/event_date={event_date}/*/*.parquet" if event_date else "*/*/*/*.parquet"
    sizes = [path.stat().st_size for path in lake_dir.glob(pattern)]
    return len(sizes), sum(sizes)


def cli_run(env: dict, partition_args: list[str]) -> float:
    command = materialize_command(MODELS, *partition_args)
    began = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return seconds


def latest_dbt_seconds(project_dir: Path) -> float:
    """dbt's own elapsed time in the newest dagster-dbt invocation (its run_results.json)."""
    newest = max(
        (project_dir / "target").glob("event_marts-*/run_results.json"),
        key=lambda p: p.stat().st_mtime,
    )
    return json.loads(newest.read_text())["elapsed_time"]


def step_seconds(home: Path) -> dict[str, float]:
    """The newest run's steps (wall s from their start to end events): the dbt build and the
    reconciliation check; and the check's own counting time (its ``seconds`` metadata)."""
    from dagster import DagsterInstance

    with DagsterInstance.from_config(str(home)) as instance:
        run_id = instance.get_runs(limit=1)[0].run_id
        steps = {
            s.step_key: (s.end_time or 0) - (s.start_time or 0)
            for s in instance.get_run_step_stats(run_id)
        }
        checks = [
            e.dagster_event.event_specific_data
            for e in instance.all_logs(run_id)
            if e.dagster_event and e.dagster_event.event_type_value == "ASSET_CHECK_EVALUATION"
        ]
    counting = [c.metadata["seconds"].value for c in checks if c.check_name == "events_match_lake"]
    return {
        "dbt_step_s": sum(v for k, v in steps.items() if "event_marts" in k),
        "check_step_s": sum(v for k, v in steps.items() if "events_match_lake" in k),
        "check_counting_s": sum(counting),
    }


def mart_rows(url: str, where: str = "true") -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return {
            table: conn.execute(f"select count(*) from {table} where {where}").fetchone()[0]
            for table in (
                "product.events_daily",
                "engagement.user_daily_activity",
                "engagement.daily_active_users",
            )
        }


def hand_sql_then_publish(lake_dir: Path, url: str) -> dict:
    """The event marts' SQL by hand in one DuckDB session over a hive glob of the lake, then
    user_daily_activity's rows into Postgres as the published materialization does it."""
    from platform_assets.marts.duckdb_session import configure

    con = duckdb.connect()
    configure(con, str(lake_dir), None, url)
    began = time.perf_counter()
    con.execute(HAND_SQL.format(lake=lake_dir))
    hand_s = time.perf_counter() - began
    rows = con.execute("select count(*) from user_daily_activity").fetchone()[0]
    events = con.execute("select sum(events) from events_per_date").fetchone()[0]
    con.execute(
        "call postgres_execute('app_db', 'create table if not exists public.bench_publish "
        "(user_id text, event_date date, event_type text, events bigint, "
        "first_event_at timestamptz, last_event_at timestamptz)')"
    )
    con.execute("call pg_clear_cache()")
    began = time.perf_counter()
    con.execute(
        "begin; call postgres_execute('app_db', 'delete from public.bench_publish'); "
        "insert into app_db.public.bench_publish select * from user_daily_activity; commit;"
    )
    publish_s = time.perf_counter() - began
    con.close()
    return {"hand_s": hand_s, "rows": rows, "events": events, "publish_s": publish_s}


def run(workdir: Path) -> tuple[dict, str]:
    from platform_assets.marts.project import DBT_DIR

    workdir.mkdir(parents=True, exist_ok=True)
    server_url = os.environ.get("SLUICE_TEST_POSTGRES_URL")
    server = None if server_url else start_embedded_postgres(workdir / "bench-postgres")
    server_url = server_url or server.url
    db_name = f"sluice_bench_marts_{uuid.uuid4().hex[:8]}"
    url = create_database(server_url, db_name, exist_ok=False)
    lake_dir = workdir / "storage" / "lake" / "events"
    try:
        apply_migrations(url)
        began = time.perf_counter()
        write_lake(lake_dir)
        lake_s = time.perf_counter() - began
        home = workdir / "dagster_home"
        home.mkdir()
        (home / "dagster.yaml").write_text("")
        env = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")}
        env.update(
            DAGSTER_HOME=str(home),
            SLUICE_STORAGE_URL=str(workdir / "storage"),
            SLUICE_POSTGRES_URL=url,
            SLUICE_EVENTS_START="2025-01-01",
        )
        last = (FIRST + timedelta(days=DAYS - 1)).isoformat()
        full_s = cli_run(env, ["--partition-range", f"{FIRST.isoformat()}...{last}"])
        full_dbt_s, full_steps = latest_dbt_seconds(DBT_DIR), step_seconds(home)
        refresh_s = cli_run(env, ["--partition", REFRESH_DATE])
        refresh_dbt_s, refresh_steps = latest_dbt_seconds(DBT_DIR), step_seconds(home)
        empty_s = cli_run(env, ["--partition", EMPTY_DATE])
        empty_dbt_s, empty_steps = latest_dbt_seconds(DBT_DIR), step_seconds(home)
        full_rows = mart_rows(url)
        refresh_rows = mart_rows(url, f"event_date = date '{REFRESH_DATE}'")
        by_hand = hand_sql_then_publish(lake_dir, url)
        hand_s, hand_rows = by_hand["hand_s"], by_hand["rows"]
        published_rows, publish_s = by_hand["rows"], by_hand["publish_s"]
    finally:
        drop_database(server_url, db_name)
        if server is not None:
            server.stop()
    full_files, full_bytes = files_and_bytes(lake_dir, None)
    refresh_files, refresh_bytes = files_and_bytes(lake_dir, REFRESH_DATE)
    results = {
        "events": EVENTS,
        "days": DAYS,
        "lake_write_s": round(lake_s, 1),
        "full_build": {
            "seconds": round(full_s, 1),
            "dbt_seconds": round(full_dbt_s, 1),
            **{k: round(v, 2) for k, v in full_steps.items()},
            "rows": full_rows,
            "files_read": full_files,
            "bytes_read": full_bytes,
        },
        "one_date_refresh": {
            "date": REFRESH_DATE,
            "seconds": round(refresh_s, 1),
            "dbt_seconds": round(refresh_dbt_s, 1),
            **{k: round(v, 2) for k, v in refresh_steps.items()},
            "rows": refresh_rows,
            "files_read": refresh_files,
            "bytes_read": refresh_bytes,
            "share_of_full_bytes": round(refresh_bytes / full_bytes, 4),
        },
        "fixed_run_no_data": {
            "seconds": round(empty_s, 1),
            "dbt_seconds": round(empty_dbt_s, 1),
            **{k: round(v, 2) for k, v in empty_steps.items()},
        },
        "hand_sql": {
            "seconds": round(hand_s, 2),
            "user_daily_activity_rows": hand_rows,
            "events_counted": by_hand["events"],
        },
        "full_dbt_vs_hand_sql": round(full_dbt_s / hand_s, 2),
        "full_run_minus_fixed_vs_hand_sql": round((full_s - empty_s) / hand_s, 2),
        "publish": {
            "rows": published_rows,
            "seconds": round(publish_s, 2),
            "rows_per_s": round(published_rows / publish_s),
        },
    }
    return results, markdown(results)


def markdown(r: dict) -> str:
    full, one, fixed = r["full_build"], r["one_date_refresh"], r["fixed_run_no_data"]
    return f"""## marts

{r["events"]:,} events over {r["days"]} event dates (lake written directly in {r["lake_write_s"]} s,
with the ingest's per-hour rollups and manifests; {full["files_read"]:,} files,
{full["bytes_read"] / 2**20:.1f} MB). Each build is the CLI
`dagster asset materialize --select <event models>` in a fresh process.

| run | wall s | of which dbt s | check step s | lake files read | MB read | rows published |
|---|---:|---:|---:|---:|---:|---:|
| full build (30 dates, one run) | {full["seconds"]} | {full["dbt_seconds"]} | \
{full["check_step_s"]} | {full["files_read"]:,} | {full["bytes_read"] / 2**20:.1f} | \
{sum(full["rows"].values()):,} |
| one-date refresh ({one["date"]}) | {one["seconds"]} | {one["dbt_seconds"]} | \
{one["check_step_s"]} | {one["files_read"]:,} | {one["bytes_read"] / 2**20:.1f} | \
{sum(one["rows"].values()):,} |
| a date with no files (fixed cost) | {fixed["seconds"]} | {fixed["dbt_seconds"]} | \
{fixed["check_step_s"]} | 0 | 0 | 0 |

- One-date refresh reads {one["share_of_full_bytes"]:.1%} of the full build's bytes (target <= 5%).
- The reconciliation check (`events_match_lake`) counts each date's valid events from the
  ingest's trusted rollups (lake files only for hours without one): {full["check_counting_s"]} s
  of counting in a {full["check_step_s"]} s step for the full build.
- Same figures by hand in one DuckDB session over a hive glob (the three marts and the
  per-date event counts): {r["hand_sql"]["seconds"]} s. dbt's full build (DuckDB work, dbt
  tests, publishing) is {r["full_dbt_vs_hand_sql"]}x that; the whole run minus the fixed cost
  {r["full_run_minus_fixed_vs_hand_sql"]}x (target <= 2x).
- Publishing: {r["publish"]["rows"]:,} rows of user_daily_activity into Postgres in
  {r["publish"]["seconds"]} s: {r["publish"]["rows_per_s"]:,} rows/s (target >= 200,000).
"""


def main() -> None:
    workdir = (
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else Path("/tmp") / f"sluice-bench-marts-{uuid.uuid4().hex[:6]}"
    )
    results, text = run(workdir)
    print(json.dumps(results, indent=2))
    print(text)


if __name__ == "__main__":
    main()
