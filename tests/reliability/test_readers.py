"""Readers see an arrival hour all or nothing: published_lake_files and the catalog's views
list only the files of hours whose manifest is committed (issue 13, "Readers see an hour all
or nothing", and #14's half-published hour)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

from platform_assets.catalog.build import build_catalog
from platform_assets.catalog.connection import connect
from platform_assets.events.ingest import ingest_hour
from platform_assets.lake_files import published_lake_files
from tests.events.conftest import event, hour, land, ms
from tests.events.test_crash import H as BIG_HOUR
from tests.events.test_crash import land_many_cells

H0 = hour(1, 10)


def catalog_count(lake_storage, path) -> int:
    with connect(path, lake_storage, read_only=True) as con:
        return con.execute("SELECT count(*) FROM events").fetchone()[0]


def test_published_lake_files_filters_by_date_and_type(lake_storage):
    land(lake_storage, H0, "a.jsonl", [event("a", "click", created_at=ms(H0)), event("b", "view", created_at=ms(hour(2, 3)))])
    ingest_hour(lake_storage, H0)
    every = [o.key for o in published_lake_files(lake_storage)]
    assert every == sorted(every) and len(every) == 2
    assert [o.key for o in published_lake_files(lake_storage, event_type="view")] == [
        "lake/events/event_type=view/event_date=2025-01-02/event_hour=03/2025-01-01T10.parquet"
    ]
    assert [o.key.split("/")[2] for o in published_lake_files(lake_storage, event_date="2025-01-01")] == ["event_type=click"]
    assert published_lake_files(lake_storage, event_date="2025-01-02", event_type="click") == []
    assert all(o.size > 0 for o in published_lake_files(lake_storage))


def test_a_half_published_hour_is_invisible_to_readers(tmp_path):
    from resources.storage import StorageResource

    lake_storage = StorageResource(url=str(tmp_path / "storage"))
    land(lake_storage, H0, "small.jsonl", [event(f"s{i}", created_at=ms(H0, i)) for i in range(10)])
    ingest_hour(lake_storage, H0)
    committed = [o.key for o in published_lake_files(lake_storage)]
    catalog = tmp_path / "lake.duckdb"
    build_catalog(lake_storage, catalog)

    # A run of a big hour is killed mid-publish: some of its files are in place.
    land_many_cells(lake_storage)
    spill = tmp_path / "spill"
    spill.mkdir()
    script = textwrap.dedent(
        f"""
        from datetime import datetime, timezone
        from pathlib import Path
        from platform_assets.events.ingest import ingest_hour
        from resources.storage import StorageResource
        ingest_hour(StorageResource(url={lake_storage.url!r}), datetime(2025, 1, 3, 7, tzinfo=timezone.utc),
                    spill_dir=Path({str(spill)!r}))
        """
    )
    process = subprocess.Popen([sys.executable, "-c", script], cwd=os.getcwd())
    suffix = f"/{BIG_HOUR:%Y-%m-%dT%H}.parquet"
    deadline = time.time() + 120
    while time.time() < deadline:
        if sum(o.key.endswith(suffix) for o in lake_storage.list_objects("lake/events/")) >= 5:
            break
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()
    globbed = [o.key for o in lake_storage.list_objects("lake/events/")]
    assert any(key.endswith(suffix) for key in globbed), "killed before it published a file"

    assert [o.key for o in published_lake_files(lake_storage)] == committed  # none of the big hour
    assert catalog_count(lake_storage, catalog) == 10  # the views, built before, at query time
    build_catalog(lake_storage, catalog)
    assert catalog_count(lake_storage, catalog) == 10  # and built now

    ingest_hour(lake_storage, BIG_HOUR)  # the retry
    assert catalog_count(lake_storage, catalog) == 120_010
