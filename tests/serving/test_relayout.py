"""The copy of one date, local and on S3 (moto): content, order, buckets, row groups, and a
re-run that removes what it no longer produces."""

import json
import tempfile
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from platform_assets.events.ingest import ingest_hour
from platform_assets.lake_manifests import committed_files, lake_files_by_date
from platform_assets.serving.layout import LayoutError, ensure_buckets, file_key, user_bucket
from platform_assets.serving.relayout import copy_date, date_manifest_key
from tests.events.conftest import event, hour, land, ms


def lake_day(storage):
    """Two arrival hours of 2025-01-01: users a..e, one event without a user_id, one late."""
    lines = [
        event(f"e{i}", "page.viewed", ms(hour(1, 10), i), user_id="abcde"[i % 5]) for i in range(40)
    ]
    lines.append(event("anon", "page.viewed", ms(hour(1, 10), 50)))  # no user_id: not copied
    lines.append(event("num", "page.viewed", ms(hour(1, 10), 51), user_id=7))  # not a string
    land(storage, hour(1, 10), "f.jsonl", lines)
    land(
        storage, hour(1, 11), "f.jsonl", [event("late", "order.paid", ms(hour(1, 2)), user_id="a")]
    )
    ingest_hour(storage, hour(1, 10))
    ingest_hour(storage, hour(1, 11))


def copy(storage, buckets=4, row_group_rows=4):
    files = lake_files_by_date(storage, ["2025-01-01"])["2025-01-01"]
    with tempfile.TemporaryDirectory() as tmp:
        return copy_date(storage, "2025-01-01", files, buckets, Path(tmp), row_group_rows)


def read_copy(storage, bucket):
    parquet = pq.ParquetFile(pa.BufferReader(storage.read_bytes(file_key(bucket, "2025-01-01"))))
    return parquet.read(), parquet.metadata


def test_copy_holds_each_user_event_once_sorted_in_its_bucket(storage):
    lake_day(storage)
    stats = copy(storage)
    assert stats.rows == 41 and stats.users == 5 and stats.lake_files_read == 2
    seen = Counter()
    for bucket in {user_bucket(u, 4) for u in "abcde"}:
        table, metadata = read_copy(storage, bucket)
        rows = table.to_pylist()
        assert all(user_bucket(r["user_id"], 4) == bucket for r in rows)
        assert [(r["user_id"], r["created_at"], r["event_id"]) for r in rows] == sorted(
            (r["user_id"], r["created_at"], r["event_id"]) for r in rows
        )
        assert table.column_names[-1] == "event_type"
        if table.num_rows > 4:
            assert metadata.num_row_groups > 1
            assert metadata.row_group(0).column(6).statistics.has_min_max  # user_id pruning
        seen.update(r["event_id"] for r in rows)
    assert set(seen.values()) == {1} and "anon" not in seen and "num" not in seen and "late" in seen


def test_rerun_removes_buckets_it_no_longer_writes(storage):
    lake_day(storage)
    copy(storage)
    unused = next(b for b in range(4) if b not in {user_bucket(u, 4) for u in "abcde"})
    stale = file_key(unused, "2025-01-01")
    storage.put_bytes(stale, b"left by an earlier layout of the data")
    manifest = json.loads(storage.read_bytes(date_manifest_key("2025-01-01")))
    storage.put_bytes(
        date_manifest_key("2025-01-01"),
        json.dumps({**manifest, "files": manifest["files"] + [stale]}).encode(),
    )
    other_day = file_key(unused, "2025-01-02")
    storage.put_bytes(other_day, b"another date: untouched")
    stats = copy(storage)
    assert stats.files_removed == 1 and not storage.exists(stale)
    assert storage.read_bytes(other_day) == b"another date: untouched"


def test_only_committed_manifests_count():
    assert committed_files({"complete": True, "lake_files": ["a"]}) == ["a"]
    assert committed_files({"complete": False, "lake_files": ["a", "b"]}) == []
    assert committed_files({"complete": False, "planned": ["b"], "lake_files": ["a"]}) == ["a"]


def test_bucket_count_is_fixed_at_first_write(local_storage):
    assert ensure_buckets(local_storage, 16) == 16
    assert ensure_buckets(local_storage, 16) == 16
    with pytest.raises(LayoutError, match="written with 16 buckets"):
        ensure_buckets(local_storage, 32)


def test_bucket_hash_is_md5_of_the_utf8_id():
    import hashlib

    for user_id in ["5db24a33-4e2f-4469-b627-7478497fc7af", "ünïcode", ""]:
        digest = hashlib.md5(user_id.encode()).digest()
        assert user_bucket(user_id, 1000) == int.from_bytes(digest[:8], "big") % 1000
