"""KPIs benchmark: `sluice-kpis` on moto S3 against DuckDB over the same S3 data.

A day of SLUICE_BENCH_KPIS_EVENTS events (default 1M) is generated and ingested (with its
per-hour rollups and commit summaries) on local disk, the date's compacted rollup is written
(what events_rollups_by_date does once the day's last hour is in), then it is all uploaded to
a moto S3 server (a subprocess). Every contender reads S3 through a byte-counting TCP proxy,
so "bytes on the wire" is measured the same way for all (HTTP headers and listings included):

1. `sluice-kpis --date D` (one process, then --workers 2), a subprocess as a user runs it;
2. the same with the compacted rollup deleted (the per-hour rollups: before compaction ran);
3. the same with every rollup deleted (the lake fallback, as for a day ingested before);
4. DuckDB computing the same figures over the date's hive glob through httpfs;
5. DuckDB scanning the date's raw landing JSON (no validation, no dedupe: a lower bound).

Run alone: ``python -m tools.bench.bench_kpis [WORKDIR]``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import duckdb

from platform_assets.catalog.connection import configure_for_storage
from platform_assets.events.date_rollup import compact_date
from platform_assets.events.ingest import ingest_hours
from platform_assets.hour_commits import daily_rollup_key
from resources.storage import StorageResource
from tools.bench.byte_counting_proxy import ByteCountingProxy, free_port, wait_for_port
from tools.bench.kpis_markdown import markdown
from tools.generate.events import generate_events

EVENTS = int(os.environ.get("SLUICE_BENCH_KPIS_EVENTS", 1_000_000))
DAY = "2025-01-01"
BUCKET = "bench-kpis"
UPLOAD_THREADS = 32


def _upload(root: Path, endpoint: str) -> tuple[int, int]:
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    files = [p for p in root.rglob("*") if p.is_file() and not p.name.startswith((".", "_"))]

    def put(path: Path) -> int:
        client.put_object(
            Bucket=BUCKET, Key=f"root/{path.relative_to(root).as_posix()}", Body=path.read_bytes()
        )
        return path.stat().st_size

    with ThreadPoolExecutor(UPLOAD_THREADS) as pool:
        return len(files), sum(pool.map(put, files))


def _sluice_kpis(proxy: ByteCountingProxy, out: Path, workers: int) -> dict:
    env = {
        **os.environ,
        "SLUICE_STORAGE_URL": f"s3://{BUCKET}/root",
        "SLUICE_S3_ENDPOINT_URL": proxy.url,
    }
    script = Path(sys.executable).parent / "sluice-kpis"
    proxy.reset()
    began = time.perf_counter()
    done = subprocess.run(
        [str(script), "--date", DAY, "--out", str(out), "--workers", str(workers)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - began
    doc = json.loads((out / f"kpis-{DAY}.json").read_text())
    steps = re.search(r"tasks, [0-9.]+ s \((.*)\); wrote", done.stdout)  # the CLI's own breakdown
    return {
        "seconds": round(seconds, 2),
        "wire_bytes": proxy.bytes_to_client,
        "doc": doc,
        "steps": steps.group(1) if steps else "",
        "files_read": doc["files_read"],
        "bytes_read": doc["bytes_read"],
        "bytes_read_by_kind": doc["bytes_read_by_kind"],
        "read_share": round(doc["bytes_read"] / doc["lake_bytes"], 4),
    }


def _delete(endpoint: str, prefix: str) -> None:
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    listed = client.list_objects_v2(Bucket=BUCKET, Prefix=f"root/{prefix}")
    for obj in listed.get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=obj["Key"])


def _figures(doc: dict) -> tuple:
    return (
        doc["events"],
        doc["active_users"],
        doc["by_type"],
        doc["by_hour"],
        doc["late_events"],
        doc["quarantined"],
    )


def _duckdb_con(proxy: ByteCountingProxy) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    configure_for_storage(
        con, StorageResource(url=f"s3://{BUCKET}/root", s3_endpoint_url=proxy.url)
    )
    return con


def _duckdb_glob(proxy: ByteCountingProxy) -> dict:
    """The same figures from the date's lake files and quarantine, as one would in DuckDB."""
    base = f"s3://{BUCKET}/root"
    proxy.reset()
    began = time.perf_counter()
    con = _duckdb_con(proxy)
    con.execute(f"""CREATE TEMP TABLE day AS SELECT event_type, event_hour::INT AS event_hour, \
user_id,
        (event_date || 'T' || event_hour) < regexp_extract(filename, '([0-9T-]+)\\.parquet$', 1) \
AS late
        FROM read_parquet('{base}/lake/events/*/event_date={DAY}/*/*.parquet', \
hive_partitioning=true,
                          filename=true, union_by_name=true)""")
    events, users, late = con.execute(
        "SELECT count(*), count(DISTINCT user_id), count(*) FILTER (late) FROM day"
    ).fetchone()
    by_type = con.execute(
        "SELECT event_type, count(*), count(DISTINCT user_id) FROM day GROUP BY 1"
    ).fetchall()
    by_hour = con.execute("SELECT event_hour, count(*) FROM day GROUP BY 1").fetchall()
    reasons = con.execute(f"""SELECT r, count(*) FROM (SELECT unnest(reasons) r FROM
        read_parquet('{base}/quarantine/events/ingest_date={DAY}/*/*.parquet')) GROUP BY \
1""").fetchall()
    seconds = time.perf_counter() - began
    return {
        "seconds": round(seconds, 2),
        "wire_bytes": proxy.bytes_to_client,
        "events": events,
        "active_users": users,
        "late_events": late,
        "types": len(by_type),
        "hours": len(by_hour),
        "reasons": len(reasons),
    }


def _raw_json_scan(proxy: ByteCountingProxy) -> dict:
    proxy.reset()
    began = time.perf_counter()
    con = _duckdb_con(proxy)
    day = datetime.strptime(DAY, "%Y-%m-%d")
    events, users = con.execute(f"""
        SELECT count(*), count(DISTINCT json->>'$.data.attributes.user_id')
        FROM read_ndjson_objects('s3://{BUCKET}/root/landing/events/{day:%Y/%m/%d}/*/*', \
ignore_errors=true)
        WHERE TRY_CAST(json->>'$.meta.created_at' AS BIGINT) // 86400000 = \
{int(day.replace(tzinfo=UTC).timestamp()) // 86400}
    """).fetchone()
    return {
        "seconds": round(time.perf_counter() - began, 2),
        "wire_bytes": proxy.bytes_to_client,
        "events_unvalidated": events,
        "users_unvalidated": users,
    }


def run(workdir: Path) -> tuple[dict, str]:
    workdir.mkdir(parents=True, exist_ok=True)
    root = workdir / "storage"
    local = StorageResource(url=str(root))
    began = time.perf_counter()
    generate_events(local, events=EVENTS, start=f"{DAY}T00", hours=24, seed=11)
    generated = time.perf_counter() - began
    start = datetime.strptime(DAY, "%Y-%m-%d").replace(tzinfo=UTC)
    began = time.perf_counter()
    list(ingest_hours(local, [start + timedelta(hours=i) for i in range(24)]))
    ingested = time.perf_counter() - began
    began = time.perf_counter()
    date_rollup = compact_date(local, DAY, workdir)
    compacted = time.perf_counter() - began

    port = free_port()
    moto = subprocess.Popen(
        [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        endpoint = f"http://127.0.0.1:{port}"
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
        began = time.perf_counter()
        uploaded_files, uploaded_bytes = _upload(root, endpoint)
        uploaded = time.perf_counter() - began
        with ByteCountingProxy(port) as proxy:
            ours = _sluice_kpis(proxy, workdir / "out-1", 1)
            ours2 = _sluice_kpis(proxy, workdir / "out-2", 2)
            duck = _duckdb_glob(proxy)
            raw = _raw_json_scan(proxy)
            # Before the compaction ran: the per-hour rollups.
            _delete(endpoint, daily_rollup_key(DAY))
            hourly = _sluice_kpis(proxy, workdir / "out-hourly", 1)
            # As if the day had been ingested before rollups existed: the lake fallback.
            _delete(endpoint, "rollups/")
            fallback = _sluice_kpis(proxy, workdir / "out-fallback", 1)
    finally:
        moto.terminate()
        moto.wait()
    doc = ours.pop("doc")
    ours2["same_figures"] = _figures(ours2.pop("doc")) == _figures(doc)
    hourly["same_figures"] = _figures(hourly.pop("doc")) == _figures(doc)
    fallback["same_figures"] = _figures(fallback.pop("doc")) == _figures(doc)
    lake_bytes = doc["lake_bytes"]
    rollup_bytes = sum(
        p.stat().st_size
        for p in (root / "rollups" / "events" / f"event_date={DAY}").glob("*.parquet")
    )
    summaries = list((root / "state" / "events" / "commits").glob(f"{DAY}T*.json"))
    manifests = list((root / "state" / "events" / "manifests").glob(f"{DAY}T*.json"))
    result = {
        "events_generated": EVENTS,
        "date_events": doc["events"],
        "active_users": doc["active_users"],
        "lake_files": doc["lake_files"],
        "lake_bytes": lake_bytes,
        "rollup_bytes": rollup_bytes,
        "date_rollup": {
            "bytes": date_rollup.bytes_written,
            "hours": len(date_rollup.hours),
            "user_type_pairs": date_rollup.pairs,
            "seconds": round(compacted, 2),
        },
        "commit_summary_bytes": sum(p.stat().st_size for p in summaries),
        "manifest_bytes": sum(p.stat().st_size for p in manifests),
        "generate_seconds": round(generated, 1),
        "ingest_seconds": round(ingested, 1),
        "upload": {"files": uploaded_files, "bytes": uploaded_bytes, "seconds": round(uploaded, 1)},
        "sluice_kpis": ours,
        "sluice_kpis_workers_2": ours2,
        "sluice_kpis_hourly_rollups": hourly,
        "sluice_kpis_lake_fallback": fallback,
        "duckdb_glob": duck,
        "raw_json_scan": raw,
        "same_figures": duck["events"] == doc["events"]
        and duck["active_users"] == doc["active_users"]
        and duck["late_events"] == doc["late_events"]
        and duck["types"] == len(doc["by_type"]),
        "speedup_vs_duckdb_glob": round(duck["seconds"] / ours["seconds"], 1),
        "speedup_vs_raw_json": round(raw["seconds"] / ours["seconds"], 1),
    }
    return result, markdown(result, DAY)


if __name__ == "__main__":
    target = (
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else Path(tempfile.mkdtemp(prefix="sluice-bench-kpis-"))
    )
    out, text = run(target)
    print(text)
    print(json.dumps(out, indent=1))
