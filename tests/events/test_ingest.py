"""ingest_hour on dirty data, on local storage and on S3 (moto): exact counts, idempotent."""

import json

import pytest

from platform_assets.events.ingest import ingest_hour
from tests.events.conftest import event, hour, land, ms
from tests.events.lake_queries import query

H10 = hour(1, 10)
H11 = hour(1, 11)


def dirty_hour(storage):
    """Two files for 10:00, with every kind of trouble; returns the expected rejections."""
    first = [
        event("a1", "user_created"),
        event("a2", "user_created", created_at=ms(H10, 59)),
        "",
        event("late1", "order.paid", created_at=ms(hour(1, 8), 30)),  # late: lands in 08
        '{"data": {"id": "x"',  # invalid_json
        event("a1", "user_created"),  # duplicate within the hour (same file)
        json.dumps(
            {"data": {"id": "b1", "type": "a/b", "attributes": {}}, "meta": {"created_at": ms(H10)}}
        ),
        json.dumps(
            {"data": {"id": "", "type": "t", "attributes": {}}, "meta": {"created_at": True}}
        ),
        "[]",
        event("fut", "user_created", created_at=ms(H11) + 24 * 3_600_000 + 1),  # beyond tolerance
    ]
    second = [
        event("a2", "user_created", created_at=ms(H10, 59)),  # duplicate from an earlier file
        event("a3", "listing-viewed", created_at=ms(H10, 1), city="K\u00f6ln"),
        event("a1", "order.paid"),  # same id, other type: still a duplicate
        event(
            "ok-edge", "user_created", created_at=ms(H11) + 24 * 3_600_000
        ),  # exactly at the limit
    ]
    land(storage, H10, "a-0001.jsonl", first, crlf=True)
    land(storage, H10, "a-0002.jsonl.gz", second)
    return {
        ("a-0001.jsonl", 5): ["invalid_json"],
        ("a-0001.jsonl", 6): ["duplicate_id"],
        ("a-0001.jsonl", 7): ["bad_type"],
        ("a-0001.jsonl", 8): ["bad_created_at", "bad_id"],
        ("a-0001.jsonl", 9): ["not_an_object"],
        ("a-0001.jsonl", 10): ["created_at_out_of_range"],
        ("a-0002.jsonl.gz", 1): ["duplicate_id"],
        ("a-0002.jsonl.gz", 3): ["duplicate_id"],
    }


def quarantine_rows(storage):
    rows = query(
        storage, "quarantine/events/", "SELECT source_key, line_number, reasons, reason, raw FROM t"
    )
    return {
        (src.rsplit("/", 1)[1], line): (reasons, reason, raw)
        for src, line, reasons, reason, raw in rows
    }


EXPECTED_LAKE = [
    ("a1", "user_created", "2025-01-01", 10),
    ("a2", "user_created", "2025-01-01", 10),
    ("a3", "listing-viewed", "2025-01-01", 10),
    ("late1", "order.paid", "2025-01-01", 8),
    ("ok-edge", "user_created", "2025-01-02", 11),
]


def lake_rows(storage):
    rows = query(
        storage,
        "lake/events/",
        "SELECT event_id, event_type, CAST(event_date AS VARCHAR), "
        "CAST(event_hour AS INTEGER) FROM t ORDER BY 1",
    )
    return [tuple(row) for row in rows]


def test_dirty_hour_matches_the_rules_exactly(storage):
    expected_rejections = dirty_hour(storage)
    stats = ingest_hour(storage, H10, batch_size=3)  # tiny batches: many batches per file

    assert (stats.records_read, stats.valid, stats.quarantined, stats.duplicates) == (13, 5, 8, 3)
    assert stats.reasons == {
        "invalid_json": 1,
        "duplicate_id": 3,
        "bad_type": 1,
        "bad_created_at": 1,
        "bad_id": 1,
        "not_an_object": 1,
        "created_at_out_of_range": 1,
    }
    assert lake_rows(storage) == EXPECTED_LAKE
    quarantined = quarantine_rows(storage)
    assert {place: reasons for place, (reasons, _, _) in quarantined.items()} == expected_rejections
    reasons, reason, raw = quarantined[("a-0001.jsonl", 8)]
    assert reason == "bad_created_at;bad_id" and '"created_at": true' in raw
    # The winning copy of a2 is the first file's; the later one is quarantined verbatim.
    assert json.loads(quarantined[("a-0002.jsonl.gz", 1)][2])["data"]["id"] == "a2"

    ((attributes, meta, created_at),) = query(
        storage, "lake/events/", "SELECT attributes, meta, created_at FROM t WHERE event_id = 'a3'"
    )
    assert json.loads(attributes) == {"city": "K\u00f6ln"}
    assert json.loads(meta)["service"] == "svc"
    assert created_at.isoformat() == "2025-01-01T10:01:00+00:00"


@pytest.mark.parametrize("batch_size", [2, 50_000], ids=["spilled", "in-memory"])
def test_rerun_changes_nothing_and_redelivery_later_is_quarantined(storage, batch_size):
    dirty_hour(storage)
    first = ingest_hour(storage, H10, batch_size=batch_size)
    files_before = {o.key: o.size for o in storage.list_objects("lake/")}
    fresh = [event(f"n{i}") for i in range(20)]  # enough for the spilled path to spill
    land(
        storage,
        H11,
        "b-0001.jsonl",
        [*fresh[:10], event("a3", "listing-viewed", created_at=ms(H10, 1)), *fresh[10:]],
    )

    later = ingest_hour(storage, H11, batch_size=batch_size)
    assert (later.valid, later.duplicates) == (20, 1)
    again = ingest_hour(
        storage, H10, batch_size=batch_size
    )  # its own earlier output is not a duplicate
    assert (again.valid, again.quarantined, again.duplicates) == (
        first.valid,
        first.quarantined,
        first.duplicates,
    )
    assert sorted(again.lake_files) == sorted(first.lake_files)
    files_after = {o.key: o.size for o in storage.list_objects("lake/") if "2025-01-01T10" in o.key}
    assert files_after == {k: v for k, v in files_before.items() if "2025-01-01T10" in k}

    ids = [row[0] for row in lake_rows(storage)]
    assert sorted(ids) == sorted(
        ["a1", "a2", "a3", "late1", "ok-edge"] + [f"n{i}" for i in range(20)]
    )
    q11 = query(
        storage,
        "quarantine/events/ingest_date=2025-01-01/ingest_hour=11/",
        "SELECT event_id, reason FROM t",
    )
    assert q11 == [("a3", "duplicate_id")]


def test_rerun_after_landing_changes_removes_files_the_hour_no_longer_produces(storage):
    dirty_hour(storage)
    ingest_hour(storage, H10)
    late_cell = "lake/events/event_type=order.paid/event_date=2025-01-01/event_hour=08/"
    assert [o.key for o in storage.list_objects(late_cell)] == [late_cell + "2025-01-01T10.parquet"]
    storage.delete("landing/events/2025/01/01/10/a-0001.jsonl")
    stats = ingest_hour(storage, H10)
    assert list(storage.list_objects(late_cell)) == []
    # Without the first file, a1's order.paid copy is now its first valid occurrence.
    assert (stats.valid, stats.duplicates) == (4, 0)
    assert sorted(row[0] for row in lake_rows(storage)) == ["a1", "a2", "a3", "ok-edge"]


def test_spilled_cells_keep_every_row(local_storage):
    """Many small batches: cells spill across many flush files and keep every row, in order."""
    lines = [event(f"id{i}", f"type_{i % 9}", created_at=ms(H10, i % 60)) for i in range(300)]
    land(local_storage, H10, "many.jsonl", lines)
    stats = ingest_hour(local_storage, H10, batch_size=7)
    assert (stats.valid, len(stats.lake_files)) == (300, 9)
    assert sorted(row[0] for row in lake_rows(local_storage)) == sorted(
        f"id{i}" for i in range(300)
    )


def test_truncated_gzip_contributes_nothing_and_names_the_file(local_storage):
    import gzip

    lines = [event(f"g{i}", created_at=ms(H10, i % 60)) for i in range(2000)]
    packed = gzip.compress(("\n".join(lines) + "\n").encode())
    key = "landing/events/2025/01/01/10/cut.jsonl.gz"
    local_storage.put_bytes(key, packed[: len(packed) // 2])  # a producer died mid-upload
    land(local_storage, H10, "whole.jsonl", [event("w1")])

    stats = ingest_hour(local_storage, H10)
    assert stats.reasons["corrupt_file"] == 1 and stats.corrupt_files == [key]
    assert (stats.valid, stats.quarantined, stats.records_read) == (1, 1, 2)  # w1 only
    (row,) = query(
        local_storage, "quarantine/events/", "SELECT source_key, line_number, raw, reason FROM t"
    )
    assert row[0] == key and row[1] is None  # the whole file, not a line of it
    assert row[3] == "corrupt_file" and "cut.jsonl.gz" in row[2]  # the error text, for the operator


def test_a_glob_of_the_lake_sees_event_files_only(local_storage):
    """Users point DuckDB at lake/events/**/*.parquet; bookkeeping must not break that."""
    import duckdb

    dirty_hour(local_storage)
    ingest_hour(local_storage, H10)
    root = local_storage.backend.root
    (count,) = duckdb.sql(
        f"SELECT count(*) FROM read_parquet('{root}/lake/events/**/*.parquet', "
        "hive_partitioning=true)"
    ).fetchone()
    assert count == 5


def test_user_id_is_typed_and_files_written_before_it_read_as_null(local_storage):
    """The lake's user_id column; a file from before the column existed still reads, as null."""
    import duckdb
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    from platform_assets.events.lake_writer import LAKE_SCHEMA

    land(
        local_storage,
        H10,
        "u.jsonl",
        [
            event("u1", "user_created", user_id="user-1"),
            event("u2", "user_created", user_id=7),  # not a string: null
            event("u3", "user_created"),  # absent: null
        ],
    )
    land(local_storage, H11, "old.jsonl", [event("o1", "order.paid", user_id="user-9")])
    ingest_hour(local_storage, H10)
    ingest_hour(local_storage, H11)
    root = local_storage.backend.root
    (old_file,) = (root / "lake" / "events" / "event_type=order.paid").rglob("*.parquet")
    pq.write_table(pq.read_table(old_file).drop_columns(["user_id"]), old_file)  # as written before

    glob = f"{root}/lake/events/**/*.parquet"
    rows = duckdb.sql(
        f"SELECT event_id, user_id FROM read_parquet('{glob}', union_by_name = true) ORDER BY 1"
    ).fetchall()
    assert rows == [("o1", None), ("u1", "user-1"), ("u2", None), ("u3", None)]
    table = ds.dataset(
        str(root / "lake" / "events"), schema=LAKE_SCHEMA, format="parquet"
    ).to_table()
    assert sorted(zip(table["event_id"].to_pylist(), table["user_id"].to_pylist())) == rows
