"""Run one benchmark step in a fresh process and report its wall time and peak RSS.

``python -m tools.bench.measure <step> <json args>`` prints one JSON line. A fresh
process per step keeps peak-RSS numbers honest (no earlier step's memory in them).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psutil


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


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure_in_fresh_process(step: str, **args) -> dict:
    """A step in a fresh process: its JSON result with seconds, CPU seconds and peak RSS."""
    cpu_before = children_cpu_seconds()
    out = subprocess.run(
        [sys.executable, "-m", "tools.bench.measure", step, json.dumps(args)],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"benchmark step {step} failed:\n{out.stderr[-3000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["cpu_seconds"] = round(children_cpu_seconds() - cpu_before, 1)
    return result


def peak_rss_mb() -> float:
    """This process image's peak RSS. VmHWM, not ru_maxrss: Linux carries the forked copy of
    the parent's memory into ru_maxrss across exec, so a big parent would inflate it."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def run_tree_peak_rss(command: list[str], env: dict) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system) and peak RSS (MB) of a command and all its
    children (RSS sampled)."""
    cpu_before = children_cpu_seconds()
    began = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    parent = psutil.Process(process.pid)
    peak = 0
    while process.poll() is None:
        try:
            tree = [parent, *parent.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree))
        except psutil.Error:
            pass
        time.sleep(0.05)
    output = process.stdout.read().decode(errors="replace")
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{output[-3000:]}")
    return time.perf_counter() - began, children_cpu_seconds() - cpu_before, peak / 2**20


if __name__ == "__main__":
    step, args = sys.argv[1], json.loads(sys.argv[2])
    began = time.perf_counter()
    result = STEPS[step](**args)
    result["seconds"] = round(time.perf_counter() - began, 3)
    result["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(result))
