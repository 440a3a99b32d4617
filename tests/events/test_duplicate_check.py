"""The no_duplicate_event_ids check: lake rows written beyond the distinct ids of the hour's
index. It stays 0 on real ingests and counts the copies a broken dedupe lets through."""

from pathlib import Path

import numpy as np

from platform_assets.events.ingest import (
    Decision,
    decide_duplicates,
    ingest_hour,
    prepare_hour,
    publish_hour,
)
from platform_assets.events.published_ids import write_id_index
from tests.events.conftest import event, hour, land, ms

H = hour(1, 10)


def land_copies(storage):
    land(storage, H, "a.jsonl", [event("x", created_at=ms(H, 1)), event("y", created_at=ms(H, 2))])
    land(storage, H, "b.jsonl", [event("x", created_at=ms(H, 1)), event("x", created_at=ms(H, 1))])


def test_a_real_ingest_writes_no_copy(storage):
    land_copies(storage)
    stats = ingest_hour(storage, H)
    assert (stats.valid, stats.duplicates, stats.duplicate_ids_written) == (2, 2, 0)


def test_copies_let_through_are_counted(local_storage, tmp_path: Path):
    land_copies(local_storage)
    prepared = prepare_hour(local_storage, H, tmp_path)
    right = decide_duplicates(local_storage, prepared)
    assert len(right.dropped_seqs) == 2
    # A dedupe that forgets the copies: the lake and the index both get x three times.
    index_path = tmp_path / "broken-ids.parquet"
    nothing = np.array([], dtype=np.int64)
    write_id_index(index_path, prepared.ids, nothing)
    stats = publish_hour(local_storage, prepared, Decision(nothing, index_path))
    assert (stats.valid, stats.duplicates, stats.duplicate_ids_written) == (4, 0, 2)


def test_keep_mask_drops_exactly_the_listed_seqs():
    import pyarrow as pa

    from platform_assets.events.lake_writer import keep_mask

    rows = pa.table({"seq": pa.array([0, 3, 4, 7, 9, 12], pa.int64())})
    dropped = np.array([3, 7, 8, 12], dtype=np.int64)  # sorted; 8 is not in the batch
    assert keep_mask(rows, dropped).to_pylist() == [True, False, True, False, True, False]
    assert keep_mask(rows, np.array([], dtype=np.int64)).to_pylist() == [True] * 6
    assert (
        keep_mask(rows, np.array([100], dtype=np.int64)).to_pylist() == [True] * 6
    )  # past the end
    assert keep_mask(rows.slice(0, 0), dropped).to_pylist() == []
