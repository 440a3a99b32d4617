"""`make demo`: generate a day of dirty events, ingest it as one backfill run, show the lake.

Runs against its own storage and Dagster home under .sluice/demo/ (wiped first), so it
never touches the data of `make dev`.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from resources.project_paths import SLUICE_DIR
from resources.storage import StorageResource
from tools.dagster_cli import day_backfill_command
from tools.generate.events import generate_events

DEMO_DIR = SLUICE_DIR / "demo"
DAY = "2025-01-01"
EVENTS = int(os.environ.get("SLUICE_DEMO_EVENTS", "200000"))


def _section(title: str) -> None:
    print(f"\n=== {title} ===")


def main() -> int:
    shutil.rmtree(DEMO_DIR, ignore_errors=True)
    storage_dir, home = DEMO_DIR / "storage", DEMO_DIR / "dagster_home"
    home.mkdir(parents=True)
    (home / "dagster.yaml").write_text("")  # Dagster's SQLite defaults
    storage = StorageResource(url=str(storage_dir))

    _section(f"1. generating {EVENTS:,} events over 24 arrival hours of {DAY}")
    summary = generate_events(storage, events=EVENTS, start=f"{DAY}T00", hours=24, seed=1)
    print(
        f"{summary['files_written']} landing files, {summary['records']:,} records "
        f"(~{summary['expected_quarantined']:,} malformed or redelivered)"
    )

    _section("2. one single-run backfill of 24 hourly partitions")
    command = day_backfill_command(DAY)
    print("$", " ".join(command[1:]))
    env = {**os.environ, "DAGSTER_HOME": str(home), "SLUICE_STORAGE_URL": str(storage_dir)}
    started = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        print(result.stdout[-4000:], result.stderr[-4000:], sep="\n")
        return result.returncode
    print(f"done in {time.perf_counter() - started:.1f}s")

    lake = f"{storage_dir}/lake/events/**/*.parquet"
    quarantine = f"{storage_dir}/quarantine/events/**/*.parquet"
    con = duckdb.connect()
    _section("3. what landed")
    valid, types, files = con.execute(
        f"SELECT count(*), count(DISTINCT event_type), count(DISTINCT filename) "
        f"FROM read_parquet('{lake}', hive_partitioning=true, filename=true)"
    ).fetchone()
    print(f"lake: {valid:,} events, {types} types, {files:,} Parquet files")
    print("quarantine by reason:")
    for reason, count in con.execute(
        f"SELECT r, count(*) FROM (SELECT unnest(reasons) AS r FROM read_parquet('{quarantine}')) "
        "GROUP BY r ORDER BY 2 DESC"
    ).fetchall():
        print(f"  {reason:<28} {count:>7,}")

    _section("4. a query over the lake: one type, one hour (reads one directory)")
    top_type = con.execute(
        f"SELECT event_type FROM read_parquet('{lake}', hive_partitioning=true) "
        "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
    ).fetchone()[0]
    cell = Path(
        storage_dir, "lake/events", f"event_type={top_type}", f"event_date={DAY}", "event_hour=12"
    )
    sql = (
        f"SELECT count(*) AS events, min(created_at) AS first, max(created_at) AS last "
        f"FROM read_parquet('{cell}/*.parquet')"
    )
    print(sql)
    print(con.sql(sql))

    _section(f"5. the lake catalog: a typed view per event type (events_{top_type})")
    catalog = DEMO_DIR / "catalog" / "lake.duckdb"
    query = [
        sys.executable,
        "-m",
        "platform_assets.catalog.query",
        "--refresh",
        "--catalog",
        str(catalog),
        f"SELECT column_name, column_type FROM (DESCRIBE events_{top_type}) LIMIT 12",
    ]
    print("$ python", shlex.join(query[1:]))
    shown = subprocess.run(query, env=env, capture_output=True, text=True, check=False)
    print(shown.stdout or shown.stderr)
    if shown.returncode != 0:
        return shown.returncode
    print(
        f"\nstorage: {storage_dir}\n"
        f"browse the run: DAGSTER_HOME={home} SLUICE_STORAGE_URL={storage_dir} "
        f"SLUICE_CATALOG_PATH={catalog} "
        ".venv/bin/dagster dev -m platform_assets.definitions"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
