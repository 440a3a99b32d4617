"""An arrival hour of ~10 KB events (the brief's size): MB/s, MB per CPU second, peak RSS.

Memory is bounded in bytes as well as lines, so the peak must stay under 1 GiB whatever the
record size. Part of ``make bench BENCH=events``; alone: ``... bench_events big-records``.
"""

from __future__ import annotations

import os
from pathlib import Path

from tools.bench.measure import measure_in_fresh_process

BIG_RECORD_EVENTS = int(os.environ.get("SLUICE_BENCH_BIG_RECORD_EVENTS", 100_000))
BIG_RECORD_BYTES = 10_000


def _write_big_records_hour(root: Path, events: int, files: int = 8) -> float:
    """An arrival hour of ~10 KB events (nested attributes, varied text), as ``files`` landing
    files; returns its size in MB."""
    import random

    import orjson

    rng = random.Random(7)
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = ["".join(rng.choice(letters) for _ in range(rng.randint(2, 12))) for _ in range(5000)]
    # ~8 bytes a word
    texts = [" ".join(rng.choice(words) for _ in range(BIG_RECORD_BYTES // 8)) for _ in range(200)]
    base = 1_740_823_200_000  # 2025-03-01T10:00Z
    landing = root / "landing" / "events" / "2025" / "03" / "01" / "10"
    landing.mkdir(parents=True, exist_ok=True)
    written = 0
    for index in range(files):
        with open(landing / f"big-{index:02d}.jsonl", "wb") as out:
            for i in range(index, events, files):
                attributes = {
                    "text": texts[i % 200],
                    "n": i,
                    "tags": words[i % 50 : i % 50 + 5],
                    "nested": {"score": i * 0.5, "ok": i % 3 == 0},
                }
                data = {"id": f"b{i}", "type": f"doc.t{i % 40}", "attributes": attributes}
                line = orjson.dumps({"data": data, "meta": {"created_at": base + i % 3_600_000}})
                line += b"\n"
                written += out.write(line)
    return written / 2**20


def big_records_hour(workdir: Path) -> dict:
    """One arrival hour of ~10 KB events through ingest_hour, in a fresh process."""
    root = workdir / "big-records"
    input_mb = _write_big_records_hour(root, BIG_RECORD_EVENTS)
    result = measure_in_fresh_process(
        "ingest_hours", storage_url=str(root), first_hour="2025-03-01T10", hours=1
    )
    result["input_mb"] = round(input_mb, 1)
    result["mb_per_second"] = round(input_mb / result["seconds"], 1)
    result["mb_per_cpu_second"] = round(input_mb / result["cpu_seconds"], 1)
    return result


def big_records_markdown(big: dict) -> str:
    return (
        f"An arrival hour of {big['read']:,} events of ~10 KB ({big['input_mb']} MB; memory "
        f"bounded in bytes,\n24 MB of lines a batch): {big['seconds']} s, "
        f"**{big['mb_per_second']} MB/s**, {big['mb_per_cpu_second']} MB per CPU\nsecond "
        f"(per core), peak RSS **{big['peak_rss_mb']} MB** (target < 1024).\n"
    )
