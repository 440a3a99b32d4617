"""One event date of the lake, re-laid by user: the work behind the ``events_by_user`` asset.

The date's committed lake files are streamed once into a local spill file per bucket (memory:
one batch), then each bucket is sorted by (user_id, created_at, event_id) and written with
small row groups, so the min/max statistics on user_id let a reader of one user skip all but
one or two of them. Files are published one by one at fixed keys (a rename or a PUT each:
readers see a bucket's old file or its new one), then the date's files no longer produced are
removed. A date manifest announces what a run may write before it writes, as the ingest does,
so a killed run's files are cleaned up by the next.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from platform_assets.lake_files import LAKE_PREFIX
from platform_assets.serving.layout import file_key, user_bucket
from resources.storage import StorageResource

DATE_MANIFEST_PREFIX = "state/events_by_user/dates/"
ROW_GROUP_ROWS = 2048  # ~0.3 MB of JSON text: a user's lookup reads one, rarely two
SPILL_BATCH_ROWS = 100_000

COPY_SCHEMA = pa.schema(
    [
        ("event_id", pa.string()),
        ("created_at", pa.timestamp("ms", tz="UTC")),
        ("attributes", pa.string()),
        ("meta", pa.string()),
        ("source_key", pa.string()),
        ("line_number", pa.int64()),
        ("user_id", pa.string()),
        ("event_type", pa.string()),
    ]
)
_HIVE = ds.HivePartitioning(
    pa.schema(
        [("event_type", pa.string()), ("event_date", pa.string()), ("event_hour", pa.string())]
    ),
    segment_encoding="none",
)
_SORT = [("user_id", "ascending"), ("created_at", "ascending"), ("event_id", "ascending")]
_WRITE_OPTIONS = dict(
    compression="zstd",
    write_statistics=["user_id", "created_at"],
    use_dictionary=["event_type", "source_key"],
    store_schema=False,
)


@dataclass
class DateCopy:
    event_date: str
    lake_files_read: int = 0
    rows: int = 0
    users: int = 0
    files_written: int = 0
    files_removed: int = 0
    bytes_written: int = 0
    seconds: float = 0.0


def date_manifest_key(event_date: str) -> str:
    return f"{DATE_MANIFEST_PREFIX}{event_date}.json"


def _bucket_column(user_ids: pa.Array, buckets: int) -> pa.Array:
    # One MD5 per distinct user of the batch, not per row.
    distinct = pc.unique(user_ids)
    per_user = pa.array([user_bucket(u, buckets) for u in distinct.to_pylist()], pa.int32())
    return pc.take(per_user, pc.index_in(user_ids, value_set=distinct))


def _lake_scanner(storage: StorageResource, lake_keys: list[str]) -> ds.Scanner:
    fs, base = storage.arrow_filesystem()
    dataset = ds.dataset(
        [f"{base}/{key}" for key in lake_keys],
        schema=pa.schema([*COPY_SCHEMA, ("event_date", pa.string()), ("event_hour", pa.string())]),
        format="parquet",
        filesystem=fs,
        partitioning=_HIVE,
        partition_base_dir=f"{base}/{LAKE_PREFIX}".rstrip("/"),
    )
    # Files written before the lake had user_id read it as null and are not copied.
    return dataset.scanner(
        columns=COPY_SCHEMA.names,
        filter=pc.field("user_id").is_valid(),
        batch_size=SPILL_BATCH_ROWS,
    )


def _batches(scanner: ds.Scanner, rows: int) -> Iterator[pa.Table]:
    """The scan regrouped into tables of about ``rows`` rows: a lake file holds a cell's
    handful of events, and one spill write per file would make as many tiny row groups."""
    pending, count = [], 0
    for batch in scanner.to_batches():
        if batch.num_rows:
            pending.append(batch)
            count += batch.num_rows
        if count >= rows:
            yield pa.Table.from_batches(pending)
            pending, count = [], 0
    if pending:
        yield pa.Table.from_batches(pending)


def spill_by_bucket(
    storage: StorageResource, lake_keys: list[str], buckets: int, workdir: Path
) -> dict[int, Path]:
    """The date's rows with a user_id, one local Parquet file per bucket (unsorted)."""
    writers: dict[int, pq.ParquetWriter] = {}
    paths: dict[int, Path] = {}
    try:
        for table in _batches(_lake_scanner(storage, lake_keys), SPILL_BATCH_ROWS):
            table = table.cast(COPY_SCHEMA)
            bucket_ids = _bucket_column(table.column("user_id").combine_chunks(), buckets)
            table = table.append_column("_bucket", bucket_ids).sort_by("_bucket")
            starts = pc.run_end_encode(table.column("_bucket").combine_chunks())
            offset = 0
            for bucket, end in zip(
                starts.values.to_pylist(), starts.run_ends.to_pylist(), strict=True
            ):
                if bucket not in writers:
                    paths[bucket] = workdir / f"spill-{bucket:03d}.parquet"
                    writers[bucket] = pq.ParquetWriter(
                        paths[bucket], COPY_SCHEMA, compression="lz4"
                    )
                writers[bucket].write_table(
                    table.slice(offset, end - offset).drop_columns("_bucket")
                )
                offset = end
    finally:
        for writer in writers.values():
            writer.close()
    return paths


def write_bucket_file(
    spill: Path, target: Path, row_group_rows: int = ROW_GROUP_ROWS
) -> tuple[int, int]:
    """Sort one bucket's rows and write its copy file; returns (rows, distinct users)."""
    table = pq.read_table(spill).sort_by(_SORT)
    pq.write_table(table, target, row_group_size=row_group_rows, **_WRITE_OPTIONS)
    return table.num_rows, len(pc.unique(table.column("user_id")))


def _previous_files(storage: StorageResource, event_date: str) -> tuple[list[str], bool]:
    try:
        body = json.loads(storage.read_bytes(date_manifest_key(event_date)))
    except FileNotFoundError:
        return [], False
    return body.get("files", []), bool(body.get("complete"))


def _write_date_manifest(
    storage: StorageResource, event_date: str, files: list[str], complete: bool, **extra
):
    body = {"event_date": event_date, "complete": complete, "files": sorted(files), **extra}
    storage.put_bytes(date_manifest_key(event_date), json.dumps(body, indent=1).encode())


def copy_date(
    storage: StorageResource,
    event_date: str,
    lake_keys: list[str],
    buckets: int,
    workdir: Path,
    row_group_rows: int = ROW_GROUP_ROWS,
) -> DateCopy:
    """Rewrite the copy of ``event_date`` from its committed ``lake_keys``: exactly that date's
    files change. Safe to run again at any time."""
    began = time.perf_counter()
    stats = DateCopy(event_date, lake_files_read=len(lake_keys))
    workdir.mkdir(parents=True, exist_ok=True)
    spills = spill_by_bucket(storage, lake_keys, buckets, workdir) if lake_keys else {}
    planned = {bucket: file_key(bucket, event_date) for bucket in spills}
    previous, _ = _previous_files(storage, event_date)
    if not previous and not storage.exists(date_manifest_key(event_date)):
        # No record of earlier runs (first run, or a copy written before manifests): any
        # bucket may hold a file of this date.
        previous = [file_key(bucket, event_date) for bucket in range(buckets)]
    _write_date_manifest(
        storage, event_date, sorted(set(previous) | set(planned.values())), complete=False
    )
    for bucket, spill in sorted(spills.items()):
        target = workdir / f"bucket-{bucket:03d}.parquet"
        rows, users = write_bucket_file(spill, target, row_group_rows)
        spill.unlink()
        stats.rows += rows
        stats.users += users
        stats.bytes_written += target.stat().st_size
        storage.move_file(target, planned[bucket])
        stats.files_written += 1
    for stale in sorted(set(previous) - set(planned.values())):
        if storage.exists(stale):
            storage.delete(stale)
            stats.files_removed += 1
    _write_date_manifest(
        storage, event_date, list(planned.values()), complete=True, rows=stats.rows, buckets=buckets
    )
    stats.seconds = time.perf_counter() - began
    return stats
