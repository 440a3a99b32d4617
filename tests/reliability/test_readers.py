"""Readers see an arrival hour all or nothing: published_lake_files and the catalog's views
list only the files of hours whose manifest is committed (issue 13, "Readers see an hour all
or nothing", and #14's half-published hour)."""

from __future__ import annotations

import pytest

from platform_assets.catalog.build import build_catalog
from platform_assets.catalog.connection import connect
from platform_assets.events.ingest import ingest_hour
from platform_assets.lake_files import published_lake_files
from tests.events.conftest import event, hour, land, ms

H0 = hour(1, 10)


def catalog_count(lake_storage, path) -> int:
    with connect(path, lake_storage, read_only=True) as con:
        return con.execute("SELECT count(*) FROM events").fetchone()[0]


def test_published_lake_files_filters_by_date_and_type(lake_storage):
    land(
        lake_storage,
        H0,
        "a.jsonl",
        [event("a", "click", created_at=ms(H0)), event("b", "view", created_at=ms(hour(2, 3)))],
    )
    ingest_hour(lake_storage, H0)
    every = [o.key for o in published_lake_files(lake_storage)]
    assert every == sorted(every) and len(every) == 2
    assert [o.key for o in published_lake_files(lake_storage, event_type="view")] == [
        "lake/events/event_type=view/event_date=2025-01-02/event_hour=03/2025-01-01T10.parquet"
    ]
    assert [
        o.key.split("/")[2] for o in published_lake_files(lake_storage, event_date="2025-01-01")
    ] == ["event_type=click"]
    assert published_lake_files(lake_storage, event_date="2025-01-02", event_type="click") == []
    assert all(o.size > 0 for o in published_lake_files(lake_storage))


def test_a_half_published_hour_is_invisible_to_readers(local_lake, tmp_path):
    land(local_lake, H0, "small.jsonl", [event(f"s{i}", created_at=ms(H0, i)) for i in range(10)])
    ingest_hour(local_lake, H0)
    committed = [o.key for o in published_lake_files(local_lake)]
    catalog = tmp_path / "lake.duckdb"
    build_catalog(local_lake, catalog)

    # The next hour's publish fails midway (its last cell cannot be written: a directory
    # stands at its key), after its other cells' files were moved into place.
    h1 = hour(1, 11)
    land(
        local_lake,
        h1,
        "next.jsonl",
        [event(f"n{i}", f"type_{i % 3}", created_at=ms(h1, i)) for i in range(30)],
    )
    blocked = local_lake.backend.path(
        "lake/events/event_type=type_2/event_date=2025-01-01/event_hour=11/2025-01-01T11.parquet"
    )
    blocked.mkdir(parents=True)
    with pytest.raises(OSError):
        ingest_hour(local_lake, h1)
    globbed = [o.key for o in local_lake.list_objects("lake/events/") if "2025-01-01T11" in o.key]
    assert len(globbed) == 2  # type_0 and type_1 are in place: a glob sees 20 of the hour's 30

    assert [o.key for o in published_lake_files(local_lake)] == committed  # none of the hour
    assert catalog_count(local_lake, catalog) == 10  # the views, built before, at query time
    build_catalog(local_lake, catalog)
    assert catalog_count(local_lake, catalog) == 10  # and built now

    blocked.rmdir()
    ingest_hour(local_lake, h1)  # the retry
    assert catalog_count(local_lake, catalog) == 40
