"""Run one benchmark step in a fresh process and report its wall time and peak RSS.

``python -m tools.bench.measure <step> <json args>`` prints one JSON line. A fresh
process per step keeps peak-RSS numbers honest (no earlier step's memory in them).
"""

from __future__ import annotations

import json
import resource
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path


def ingest_hours(storage_url: str, first_hour: str, hours: int) -> dict:
    from platform_assets.events.ingest import ingest_hour
    from resources.storage import StorageResource

    storage = StorageResource(url=storage_url)
    start = datetime.fromisoformat(first_hour).replace(tzinfo=timezone.utc)
    totals = {
        "read": 0,
        "valid": 0,
        "quarantined": 0,
        "duplicates": 0,
        "lake_files": 0,
        "bytes_read": 0,
    }
    for offset in range(hours):
        stats = ingest_hour(storage, start + timedelta(hours=offset))
        totals["read"] += stats.records_read
        totals["valid"] += stats.valid
        totals["quarantined"] += stats.quarantined
        totals["duplicates"] += stats.duplicates
        totals["lake_files"] += len(stats.lake_files)
        totals["bytes_read"] += stats.bytes_read
    return totals


def duckdb_baseline(
    landing_dir: str, out_dir: str, first_hour: str, hours: int, memory_limit: str | None = None
) -> dict:
    from tools.bench.duckdb_events_baseline import ingest_with_duckdb

    start = datetime.fromisoformat(first_hour).replace(tzinfo=timezone.utc)
    hour_list = [start + timedelta(hours=i) for i in range(hours)]
    result = ingest_with_duckdb(
        Path(landing_dir), Path(out_dir), hour_list, memory_limit=memory_limit
    )
    return {
        k: result[k] for k in ("read", "valid", "quarantined", "duplicates", "lake_files_written")
    }


STEPS = {"ingest_hours": ingest_hours, "duckdb_baseline": duckdb_baseline}

if __name__ == "__main__":
    step, args = sys.argv[1], json.loads(sys.argv[2])
    began = time.perf_counter()
    result = STEPS[step](**args)
    result["seconds"] = round(time.perf_counter() - began, 3)
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(result))
