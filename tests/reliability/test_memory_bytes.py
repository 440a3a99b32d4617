"""Memory is bounded in bytes, not only in lines (issue 13, #15): batches of big records stay
small, the cells spill by bytes, and an hour of 10 KB events stays far below 1 GiB."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import orjson

from platform_assets.events.ingest import ingest_hour, prepare_hour
from platform_assets.events.landing_reader import read_batches
from tests.events.conftest import hour, ms
from tests.fixtures.lake_storage import lake_ids

H = hour(1, 10)
KEY = "landing/events/2025/01/01/10/big.jsonl"


def big_events(count: int, size: int) -> list[bytes]:
    return [
        orjson.dumps(
            {
                "data": {
                    "id": f"e{i}",
                    "type": f"t{i % 7}",
                    "attributes": {"blob": f"{i:08d}" + "x" * size},
                },
                "meta": {"created_at": ms(H, i % 60)},
            }
        )
        for i in range(count)
    ]


def test_batches_are_bounded_in_bytes(local_lake):
    lines = big_events(300, 10_000)
    local_lake.put_bytes(KEY, b"\n".join(lines) + b"\n")
    batches = list(read_batches(local_lake, [KEY], 50_000, [], batch_bytes=100_000))
    assert [len(b) for b in batches] == [9] * 33 + [3]  # ~10 KB lines: 9 fit in 100,000 bytes
    assert all(sum(map(len, b.texts)) <= 100_000 for b in batches)
    assert [t for b in batches for t in b.texts] == lines
    assert [b.first_seq for b in batches] == list(range(0, 300, 9))
    numbers = [int(n) for b in batches for n in b.line_number_array()]
    assert numbers == list(range(1, 301))


def test_a_line_longer_than_the_byte_bound_is_a_batch_of_its_own(local_lake):
    lines = big_events(3, 10) + big_events(1, 300_000) + big_events(2, 10)
    local_lake.put_bytes(KEY, b"\n".join(lines))
    batches = list(read_batches(local_lake, [KEY], 50_000, [], batch_bytes=100_000))
    assert [len(b) for b in batches] == [3, 1, 2]


def test_cells_spill_by_bytes_and_keep_every_record(local_lake, tmp_path):
    local_lake.put_bytes(KEY, b"\n".join(big_events(400, 10_000)))
    prepared = prepare_hour(local_lake, H, tmp_path, batch_bytes=200_000)
    assert prepared.cells.spilled  # 4 MB of rows, 50,000 lines allowed: spilled by bytes
    assert prepared.cells.group_rows() < 40  # read back a few hundred KB at a time
    stats = ingest_hour(local_lake, H, batch_bytes=200_000)
    assert (stats.valid, stats.quarantined) == (400, 0)
    assert lake_ids(local_lake) == sorted(f"e{i}" for i in range(400))


def test_an_hour_of_10_kb_events_peaks_far_below_1_gib(local_lake):
    """~200 MB of 10 KB events in one arrival hour (the line-bounded ingest held them all in one
    batch: ~870 MB for 100 MB, 1.84 GB for the issue's 177 MB)."""
    local_lake.put_bytes(KEY, b"\n".join(big_events(20_000, 10_000)))
    script = textwrap.dedent(
        f"""
        import resource
        from datetime import datetime, timezone
        from platform_assets.events.ingest import ingest_hour
        from resources.storage import StorageResource
        hour = datetime(2025, 1, 1, 10, tzinfo=timezone.utc)
        stats = ingest_hour(StorageResource(url={local_lake.url!r}), hour)
        # VmHWM: this image's peak. ru_maxrss would also count the forked copy of the test
        # process before exec (Linux carries it over), i.e. the whole suite's RSS.
        status = open("/proc/self/status").read().split("VmHWM:")
        if len(status) > 1:
            peak_mb = int(status[1].split()[0]) // 1024
        else:
            peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        print(stats.valid, peak_mb)
        """
    )
    # The environment a run has, not the one the suite accumulated: Dask's import (tests/kpis)
    # sets MALLOC_TRIM_THRESHOLD_ here, and after the whole suite this hour peaked at 1.2 GB.
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    out = subprocess.run(
        [sys.executable, "-c", script],
        check=True,
        capture_output=True,
        text=True,
        cwd=os.getcwd(),
        env=env,
    )
    valid, peak_mb = map(int, out.stdout.split())
    assert valid == 20_000
    assert peak_mb < 1024, f"peak RSS {peak_mb} MB"
