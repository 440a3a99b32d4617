"""A run killed mid-write leaves nothing half-written where readers look; a re-run repairs."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import orjson
import pyarrow.parquet as pq

from platform_assets.events.ingest import ingest_hour
from platform_assets.events.layout import manifest_key
from platform_assets.hour_commits import commit_summary_key, summary_body
from resources.storage import StorageResource
from tests.events.conftest import hour, ms

H = hour(3, 7)


def land_many_cells(storage, events=120_000, types=400):
    # Many types x several event hours: publishing writes ~2,000 files, a wide window to kill in.
    base = ms(H)
    lines = [
        orjson.dumps(
            {
                "data": {"id": f"e{i}", "type": f"type_{i % types}", "attributes": {"i": i}},
                "meta": {"created_at": base - (i % 5) * 3_600_000 + i % 3_600_000},
            }
        )
        for i in range(events)
    ]
    storage.put_bytes(f"landing/events/{H:%Y/%m/%d/%H}/big.jsonl", b"\n".join(lines))


def test_kill_mid_publish_then_rerun(tmp_path):
    storage = StorageResource(url=str(tmp_path / "storage"))
    land_many_cells(storage)
    # As if an earlier run had committed the hour: its commit summary must be gone as soon as
    # this run has changed anything (readers then read the manifest, incomplete).
    summary = commit_summary_key("2025-01-03T07")
    storage.put_bytes(summary, summary_body("earlier", [], None))
    spill = tmp_path / "spill"  # a killed run cannot remove its working directory: keep it here
    spill.mkdir()
    script = textwrap.dedent(
        f"""
        from datetime import datetime, timezone
        from pathlib import Path
        from platform_assets.events.ingest import ingest_hour
        from resources.storage import StorageResource
        ingest_hour(StorageResource(url={storage.url!r}),
                    datetime(2025, 1, 3, 7, tzinfo=timezone.utc),
                    spill_dir=Path({str(spill)!r}))
        """
    )
    process = subprocess.Popen([sys.executable, "-c", script], cwd=os.getcwd())
    lake_dir = tmp_path / "storage" / "lake" / "events"
    deadline = time.time() + 120
    while time.time() < deadline:
        # Files being written (hidden names) or already published: the run is mid-publish.
        files = list(lake_dir.glob("event_type=*/*/*/*")) if lake_dir.exists() else []
        if len(files) >= 20:
            break
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()

    manifest = json.loads(storage.read_bytes(manifest_key(H)))
    assert manifest["complete"] is False, "the run finished before it could be killed"
    assert not storage.exists(summary)
    visible = [o.key for o in storage.list_objects("lake/events/")]
    hidden = [p for p in lake_dir.rglob(".*") if p.is_file()]
    assert visible or hidden, "the run was killed before it wrote anything"
    assert all(k.endswith(".parquet") for k in visible)
    assert not [p for p in hidden if p.name.endswith(".parquet")]  # invisible to a *.parquet glob
    for key in visible:  # every file a reader can see is whole
        pq.read_table(tmp_path / "storage" / key)

    stats = ingest_hour(storage, H)
    assert (stats.records_read, stats.valid, stats.quarantined) == (120_000, 120_000, 0)
    rows = sum(
        pq.read_metadata(tmp_path / "storage" / o.key).num_rows
        for o in storage.list_objects("lake/events/")
    )
    assert rows == 120_000
    committed = json.loads(storage.read_bytes(manifest_key(H)))
    assert committed["complete"] is True
    assert json.loads(storage.read_bytes(summary))["commit_id"] == committed["commit_id"]
    # The re-run removed what the killed run left of its temporary files.
    assert not [p for p in lake_dir.rglob(".*") if p.is_file()]
