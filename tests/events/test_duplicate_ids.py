"""The no_duplicate_event_ids check counts surplus copies across lake files."""

import pyarrow as pa
import pyarrow.parquet as pq

from platform_assets.events.duplicate_ids import count_duplicate_ids


def test_counts_surplus_copies_within_and_across_files(storage):
    files = {"lake/x/a.parquet": ["1", "2", "2"], "lake/x/b.parquet": ["3", "1"], "lake/x/c.parquet": ["4"]}
    for key, ids in files.items():
        with storage.staged_file(key) as path:
            pq.write_table(pa.table({"event_id": ids}), path)
    assert count_duplicate_ids(storage, list(files)) == 2
    assert count_duplicate_ids(storage, ["lake/x/c.parquet"]) == 0
    assert count_duplicate_ids(storage, []) == 0
