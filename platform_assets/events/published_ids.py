"""Which of an hour's event ids the lake already holds from OTHER arrival hours.

Every ingested arrival hour also publishes the ids it put in the lake as one small index
file, ``state/events/ids/<arrival>.parquet``, its rows grouped in row groups by a stable
hash bucket of the id. Checking an hour's ids reads, bucket by bucket, only the matching
row groups of the index files of the arrival hours within ``window_hours`` either side: a
bounded listing and one id column, never a scan of the lake, and it finds a copy whatever
its type or event time (a redelivery may be re-stamped). Memory is one bucket at a time.

Within one range run the window's ids are read once, not once per hour: ``WindowIds``
keeps them in memory (up to a byte budget) from hour to hour, together with the ids each
hour of the run keeps as it is decided.

Ids older than the window are not checked: at billions of events a day an exact,
unbounded check needs a key-value store (see docs/events.md). The index of the hour
being ingested is skipped, so a re-run never sees its own earlier output.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from platform_assets.events.id_buckets import IdBuckets
from platform_assets.events.lake_writer import keep_mask
from platform_assets.events.layout import ID_INDEX_PREFIX, id_index_key
from resources.storage import StorageResource

DEFAULT_WINDOW_HOURS = 24
INDEX_SCHEMA = pa.schema([("bucket", pa.int16()), ("event_id", pa.string())])
# An index row group holds whole buckets, at least this many rows: a small hour's index is
# a few row groups, not one small write per bucket.
MIN_ROW_GROUP_ROWS = 16_384
# Ids the window keeps in memory across the hours of a range run; beyond the budget an
# index is read from storage whenever it is needed.
WINDOW_CACHE_BYTES = 128 * 2**20


class WindowIds:
    """Index ids by index key, kept in memory up to ``budget_bytes``, for the hours of one
    range run: what this run keeps for an hour replaces what storage holds for it."""

    def __init__(self, budget_bytes: int = WINDOW_CACHE_BYTES):
        self.budget_bytes = budget_bytes
        self._ids: dict[str, pa.ChunkedArray] = {}
        self._bytes = 0

    def get(self, key: str) -> pa.ChunkedArray | None:
        return self._ids.get(key)

    def put(self, key: str, ids: pa.ChunkedArray) -> bool:
        """Keep ``ids`` for ``key`` if the budget allows; False if it was not kept."""
        self.discard(key)
        if self._bytes + ids.nbytes > self.budget_bytes:
            return False
        self._ids[key] = ids
        self._bytes += ids.nbytes
        return True

    def discard(self, key: str) -> None:
        ids = self._ids.pop(key, None)
        if ids is not None:
            self._bytes -= ids.nbytes

    def retain(self, first_key: str, last_key: str) -> None:
        """Forget the keys outside [first_key, last_key] (index keys sort by hour)."""
        for key in [key for key in self._ids if not first_key <= key <= last_key]:
            self.discard(key)


def window_key_range(arrival_hour: datetime, window_hours: int) -> tuple[str, str]:
    """The first and last index key of the hour's dedupe window."""
    return (
        id_index_key(arrival_hour - timedelta(hours=window_hours)),
        id_index_key(arrival_hour + timedelta(hours=window_hours)),
    )


def _window_keys(
    storage: StorageResource,
    arrival_hour: datetime,
    window_hours: int,
    unpublished: dict[str, Path | None],
) -> list[str]:
    """The index keys of the arrival hours in [hour - window, hour + window], not the hour's
    own: those stored, and those still being published (``unpublished``: key -> local file,
    None for an hour that keeps no id), which replace whatever an earlier run stored."""
    first, last = window_key_range(arrival_hour, window_hours)
    keys = {key for key in unpublished if first <= key <= last}
    # Index keys sort by arrival hour: start just before the window, stop after it.
    for obj in storage.list_objects(ID_INDEX_PREFIX, start_after=first[:-1]):
        if obj.key > last:
            break
        if obj.key.endswith(".parquet"):
            keys.add(obj.key)
    keys.discard(id_index_key(arrival_hour))
    return sorted(keys)


def _open_index(
    storage: StorageResource, key: str, unpublished: dict[str, Path | None]
) -> _IndexFile | None:
    if key in unpublished:
        return None if unpublished[key] is None else _IndexFile(str(unpublished[key]))
    filesystem, base = storage.arrow_filesystem()
    return _IndexFile(filesystem.open_input_file(f"{base}/{key}"))


class _IndexFile:
    """One index file, opened once; its row groups looked up by bucket."""

    def __init__(self, source):
        self.parquet = pq.ParquetFile(source)
        metadata = self.parquet.metadata
        self.groups: dict[int, list[int]] = {}
        for index in range(metadata.num_row_groups):
            stats = metadata.row_group(index).column(0).statistics
            for bucket in range(stats.min, stats.max + 1):
                self.groups.setdefault(bucket, []).append(index)

    def all_ids(self) -> pa.ChunkedArray:
        # One thread: the file is small and another thread is writing the lake meanwhile.
        return self.parquet.read(columns=["event_id"], use_threads=False).column("event_id")

    def ids(self, bucket: int) -> pa.ChunkedArray | None:
        groups = self.groups.get(bucket)
        if not groups:
            return None
        table = self.parquet.read_row_groups(groups, columns=["bucket", "event_id"])
        return table.filter(pc.equal(table.column("bucket"), bucket)).column("event_id")


def already_published(
    storage: StorageResource,
    arrival_hour: datetime,
    ids: IdBuckets,
    window_hours: int,
    unpublished: dict[str, Path | None] | None = None,
    window: WindowIds | None = None,
) -> set[str]:
    """The hour's ids that other arrival hours in the window already put in the lake (or
    are putting there: ``unpublished`` maps their index keys to local files). ``window``
    holds ids read for earlier hours of the run, and keeps what this call reads."""
    unpublished = unpublished or {}
    keys = _window_keys(storage, arrival_hour, window_hours, unpublished)
    found: set[str] = set()
    if not keys:
        return found
    if ids.in_memory:
        # A small hour: one probe of all the window's ids, not one per bucket per file
        # (is_in hashes its value set on every call).
        published = []
        for key in keys:
            held = window.get(key) if window is not None else None
            if held is None:
                index_file = _open_index(storage, key, unpublished)
                if index_file is None:
                    continue
                held = index_file.all_ids()
                if window is not None:
                    window.put(key, held)
            published += held.chunks
        if not published:
            return found
        chunks = [
            chunk for _, table in ids.bucket_tables() for chunk in table.column("event_id").chunks
        ]
        candidates = pa.concat_arrays(chunks) if chunks else pa.array([], pa.string())
        published = pa.chunked_array(published, pa.string())
        found.update(published.filter(pc.is_in(published, value_set=candidates)).to_pylist())
        return found
    files = [
        index_file
        for key in keys
        if (index_file := _open_index(storage, key, unpublished)) is not None
    ]
    for bucket, table in ids.bucket_tables():
        candidates = table.column("event_id")
        for index_file in files:
            published = index_file.ids(bucket)
            if published is not None and len(published):
                found.update(
                    published.filter(pc.is_in(published, value_set=candidates)).to_pylist()
                )
    return found


def dropped_seqs(ids: IdBuckets, later_copies: set[int], published: set[str]) -> np.ndarray:
    """Sorted seq of every row that must not reach the lake: the later copies of an id within
    the hour, and the rows of ids other hours already put there."""
    dropped = set(later_copies)
    if published:
        held = pa.array(sorted(published), pa.string())
        for _, table in ids.bucket_tables():
            dropped.update(
                table.column("seq")
                .filter(pc.is_in(table.column("event_id"), value_set=held))
                .to_pylist()
            )
    return np.array(sorted(dropped), dtype=np.int64)


def write_id_index(
    path: Path, ids: IdBuckets, dropped: np.ndarray
) -> tuple[int, pa.ChunkedArray | None]:
    """Write the ids this hour keeps in the lake, whole buckets per row group (the reader
    finds a bucket's row groups by their min/max bucket). Returns how many, and the ids
    themselves when the hour's ids are held in memory (a spilled hour's are too many)."""
    rows = 0
    kept_ids: list[pa.Array] | None = [] if ids.in_memory else None
    pending: list[pa.Table] = []

    def flush(writer):
        writer.write_table(pa.concat_tables(pending))
        pending.clear()

    # lz4, not zstd: every later hour in the window reads this file back, and decoding
    # dominated that read (docs/events.md).
    with pq.ParquetWriter(path, INDEX_SCHEMA, compression="lz4") as writer:
        for bucket, table in ids.bucket_tables():
            kept = table.column("event_id").filter(keep_mask(table, dropped))
            if not len(kept):
                continue
            rows += len(kept)
            if kept_ids is not None:
                kept_ids += kept.chunks
            pending.append(
                pa.table(
                    {
                        "bucket": pa.array(np.full(len(kept), bucket, dtype=np.int16)),
                        "event_id": kept,
                    },
                    schema=INDEX_SCHEMA,
                )
            )
            if sum(part.num_rows for part in pending) >= MIN_ROW_GROUP_ROWS:
                flush(writer)
        if pending:
            flush(writer)
    return rows, (None if kept_ids is None else pa.chunked_array(kept_ids, pa.string()))


def distinct_ids(path: Path | None) -> int:
    """Distinct ids in a local index file: all at once when it is small, else one bucket at
    a time (ids of two buckets differ)."""
    if path is None:
        return 0
    index_file = _IndexFile(str(path))
    if index_file.parquet.metadata.num_rows <= 8 * MIN_ROW_GROUP_ROWS:
        return pc.count_distinct(index_file.all_ids()).as_py()
    return sum(
        pc.count_distinct(index_file.ids(bucket)).as_py() for bucket in sorted(index_file.groups)
    )
