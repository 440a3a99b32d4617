"""ingest_hours publishes hour N while it prepares hour N+1: the outcome must be exactly that
of ingesting the hours one by one, whatever an earlier run left in storage."""

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from platform_assets.events.ingest import ingest_hour, ingest_hours
from tests.events.conftest import event, hour, land, ms

H10, H11, H12 = hour(1, 10), hour(1, 11), hour(1, 12)


def lake_ids(storage) -> list[tuple[str, str]]:
    """(event_id, the lake file's name) for every lake row."""
    rows = []
    for obj in storage.list_objects("lake/events/"):
        table = pq.read_table(pa.BufferReader(storage.read_bytes(obj.key)), columns=["event_id"])
        rows += [
            (event_id, obj.key.rsplit("/", 1)[1])
            for event_id in table.column("event_id").to_pylist()
        ]
    return sorted(rows)


def land_three_hours(storage):
    land(
        storage,
        H10,
        "a.jsonl",
        [event("x", created_at=ms(H10, 1)), event("only10", created_at=ms(H10, 2))],
    )
    land(
        storage,
        H11,
        "a.jsonl",
        [event("x", created_at=ms(H11, 1)), event("only11", created_at=ms(H11, 2))],
    )
    land(
        storage,
        H12,
        "a.jsonl",
        [event("x", created_at=ms(H12, 1)), event("only12", created_at=ms(H12, 2))],
    )


@pytest.mark.parametrize(
    "cache_bytes", [128 * 2**20, 0], ids=["window-in-memory", "window-from-files"]
)
def test_a_range_gives_what_hour_by_hour_gives(storage, cache_bytes):
    land_three_hours(storage)
    stats = list(ingest_hours(storage, [H10, H11, H12], window_cache_bytes=cache_bytes))
    assert [(s.arrival_hour, s.valid, s.duplicates) for s in stats] == [
        (H10, 2, 0),
        (H11, 1, 1),
        (H12, 1, 1),
    ]
    assert lake_ids(storage) == [
        ("only10", "2025-01-01T10.parquet"),
        ("only11", "2025-01-01T11.parquet"),
        ("only12", "2025-01-01T12.parquet"),
        ("x", "2025-01-01T10.parquet"),
    ]
    # The same hours again, one by one: nothing changes.
    assert [
        (s.valid, s.duplicates) for s in (ingest_hour(storage, h) for h in (H10, H11, H12))
    ] == [(2, 0), (1, 1), (1, 1)]


@pytest.mark.parametrize(
    "cache_bytes", [128 * 2**20, 0], ids=["window-in-memory", "window-from-files"]
)
def test_the_next_hour_sees_the_new_index_of_the_hour_being_published_not_the_stored_one(
    storage, cache_bytes
):
    """Hour 10 first kept x; its landing changes so that it no longer does. In a range re-run,
    hour 11 is checked while hour 10 is still being published: it must see hour 10's new
    ids, not the index the first run stored (which the window may have read for hour 9's
    neighbours before)."""
    land_three_hours(storage)
    list(ingest_hours(storage, [H10, H11]))
    land(storage, H10, "a.jsonl", [event("only10", created_at=ms(H10, 2))])  # x is gone from 10
    stats = list(ingest_hours(storage, [hour(1, 9), H10, H11], window_cache_bytes=cache_bytes))[1:]
    assert [(s.valid, s.duplicates) for s in stats] == [(1, 0), (2, 0)]
    assert ("x", "2025-01-01T11.parquet") in lake_ids(storage)


def test_an_hour_that_now_keeps_no_id_stops_hiding_them(storage):
    land_three_hours(storage)
    list(ingest_hours(storage, [H10, H11]))
    land(storage, H10, "a.jsonl", ["not json at all"])  # hour 10 now keeps nothing
    stats = list(ingest_hours(storage, [hour(1, 9), H10, H11]))[1:]
    assert [(s.valid, s.quarantined) for s in stats] == [(0, 1), (2, 0)]
    assert [event_id for event_id, _ in lake_ids(storage)] == ["only11", "x"]


def test_a_failing_hour_stops_the_range_and_leaves_the_published_ones(local_storage, tmp_path):
    land_three_hours(local_storage)
    land(local_storage, H11, "a.jsonl", [event("y", created_at=ms(H11, 1))])
    spill = tmp_path / "spill"
    spill.mkdir()
    # Hour 11's id index cannot be published: a directory sits where its file must go.
    (local_storage.backend.root / "state/events/ids/2025-01-01T11.parquet").mkdir(parents=True)
    hours = ingest_hours(local_storage, [H10, H11, H12], spill_dir=spill)
    assert next(hours).valid == 2
    with pytest.raises(OSError):
        next(hours)
    assert list(spill.iterdir()) == []  # every hour's working files are gone
    assert [event_id for event_id, _ in lake_ids(local_storage)] == ["only10", "x", "y"]


def test_spilled_hours_in_a_range(local_storage):
    """Hours bigger than memory are read back from spill files a group of cells at a time
    while the next hour spills its own (a deadlock here once, when the writer pulled spill
    reads on pyarrow's IO threads)."""
    for arrival in (H10, H11):
        lines = [
            event(f"{arrival:%H}-{i}", f"type_{i % 40}", created_at=ms(arrival, i % 50))
            for i in range(6000)
        ]
        land(local_storage, arrival, "big.jsonl", lines)
    stats = list(ingest_hours(local_storage, [H10, H11], batch_size=1000))
    assert [(s.valid, len(s.lake_files)) for s in stats] == [(6000, 40), (6000, 40)]
    assert len(lake_ids(local_storage)) == 12_000


def test_a_failed_lake_write_leaves_no_temporary_file(local_storage):
    lines = [event(f"e{i}", f"type_{i % 30}", created_at=ms(H10, i % 50)) for i in range(3000)]
    land(local_storage, H10, "a.jsonl", lines)
    lake = local_storage.backend.root / "lake" / "events"
    # A file where one cell's directory must go: the writer fails part-way through the hour.
    blocker = lake / "event_type=type_17" / "event_date=2025-01-01"
    blocker.mkdir(parents=True)
    (blocker / "event_hour=10").write_bytes(b"not a directory")
    with pytest.raises(OSError):
        ingest_hour(local_storage, H10)
    assert [p.name for p in lake.rglob(".*")] == []
    listed = [o.key for o in local_storage.list_objects("lake/events/")]
    assert listed == [
        "lake/events/event_type=type_17/event_date=2025-01-01/event_hour=10"
    ]  # the blocker only


def test_the_window_keeps_ids_within_its_budget_and_its_hours():
    from platform_assets.events.published_ids import WindowIds

    ids = pa.chunked_array([pa.array([f"id-{i}" for i in range(100)])])
    window = WindowIds(budget_bytes=ids.nbytes * 2)
    assert window.put("state/events/ids/2025-01-01T10.parquet", ids)
    assert window.put("state/events/ids/2025-01-01T11.parquet", ids)
    assert not window.put(
        "state/events/ids/2025-01-01T12.parquet", ids
    )  # over budget: read when needed
    assert window.get("state/events/ids/2025-01-01T12.parquet") is None
    window.retain(
        "state/events/ids/2025-01-01T11.parquet", "state/events/ids/2025-01-01T13.parquet"
    )
    assert window.get("state/events/ids/2025-01-01T10.parquet") is None
    assert window.put("state/events/ids/2025-01-01T12.parquet", ids)  # room again
