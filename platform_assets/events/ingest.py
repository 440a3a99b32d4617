"""Ingest one arrival hour of landing files into the lake and the quarantine.

Pass 1 streams every landing line of the hour in batches: invalid records go straight to
the quarantine writer, valid ones are held per lake cell (type x event hour; in memory up
to a bound, then spilled to local files), their ids per hash bucket. Between the passes,
the buckets give every later copy of an id within the hour, and the id index of nearby
arrival hours gives the ids the lake already holds (published_ids.py; never a scan of the
lake). Pass 2 writes one Parquet file per cell without either kind of copy, then the
hour's quarantine file and its own id index.

Memory depends on the batch size, not on the size of the hour. Every published file is
written locally first and moved into place (or uploaded) in one step.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from platform_assets.events.envelope import (
    DUPLICATE_ID,
    FUTURE_TOLERANCE_MS,
    VALID_SCHEMA,
    Rejection,
    validate_lines,
)
from platform_assets.events.lake_writer import CellResult, write_cell
from platform_assets.events.landing_reader import landing_keys, read_batches
from platform_assets.events.layout import (
    hour_from_epoch_hours,
    id_index_key,
    lake_file_key,
    manifest_key,
    partition_file_stem,
    quarantine_key,
)
from platform_assets.events.published_ids import (
    DEFAULT_WINDOW_HOURS,
    already_published,
    write_id_index,
)
from platform_assets.events.quarantine_writer import QuarantineWriter
from platform_assets.events.spill import CellStore, IdBuckets
from resources.storage import StorageResource

DEFAULT_BATCH_SIZE = 20_000
WRITER_THREADS = 4  # overlaps uploads on S3; local writes are bound by file-system calls


@dataclass
class HourStats:
    arrival_hour: datetime
    files_read: int = 0
    bytes_read: int = 0
    records_read: int = 0
    valid: int = 0
    quarantined: int = 0
    duplicates: int = 0
    reasons: Counter = field(default_factory=Counter)
    types: Counter = field(default_factory=Counter)
    lake_files: list[str] = field(default_factory=list)
    quarantine_file: str | None = None
    bytes_written: int = 0
    seconds: float = 0.0

    @property
    def files_written(self) -> int:
        return len(self.lake_files) + (1 if self.quarantine_file else 0)


def _previous_manifest(storage: StorageResource, arrival_hour: datetime) -> list[str]:
    try:
        return json.loads(storage.read_bytes(manifest_key(arrival_hour)))["lake_files"]
    except FileNotFoundError:
        return []


def _write_manifest(storage, arrival_hour: datetime, lake_files: list[str], complete: bool) -> None:
    body = {"arrival_hour": arrival_hour.isoformat(), "complete": complete, "lake_files": sorted(lake_files)}
    storage.put_bytes(manifest_key(arrival_hour), json.dumps(body, indent=1).encode())


def ingest_hour(
    storage: StorageResource,
    arrival_hour: datetime,
    batch_size: int = DEFAULT_BATCH_SIZE,
    spill_dir: Path | None = None,
    dedupe_window_hours: int = DEFAULT_WINDOW_HOURS,
) -> HourStats:
    """Validate, deduplicate and publish one arrival hour. Safe to run again at any time."""
    started = time.perf_counter()
    stats = HourStats(arrival_hour=arrival_hour)
    max_created_at = int((arrival_hour + timedelta(hours=1)).timestamp() * 1000) + FUTURE_TOLERANCE_MS
    keys = landing_keys(storage, arrival_hour)
    stats.files_read = len(keys)
    stats.bytes_read = sum(size for _, size in keys)

    with tempfile.TemporaryDirectory(dir=spill_dir, prefix="sluice-ingest-") as tmp:
        workdir = Path(tmp)
        quarantine = QuarantineWriter(workdir / "quarantine.parquet")
        # Up to two batches of valid rows stay in memory; beyond that they go to disk.
        cells = CellStore(workdir, VALID_SCHEMA, memory_rows=2 * batch_size)
        ids = IdBuckets(workdir, memory_rows=8 * batch_size)
        unreadable: list[Rejection] = []

        # Pass 1: validate and spill.
        for batch in read_batches(storage, [key for key, _ in keys], batch_size, unreadable):
            stats.records_read += len(batch)
            validated = validate_lines(batch, max_created_at)
            quarantine.write(validated.rejected)
            for rejection in validated.rejected:
                stats.reasons.update(rejection.reasons)
            if validated.valid.num_rows:
                cells.add(validated.valid)
                ids.add(validated.valid)
        stats.records_read += len(unreadable)
        quarantine.write(unreadable)
        for rejection in unreadable:
            stats.reasons.update(rejection.reasons)
        cells.finish()
        ids.finish()
        within_hour_copies = ids.later_duplicates()
        published = already_published(storage, arrival_hour, ids, dedupe_window_hours)

        # Announce every file this run may write before writing any, so a crash leaves a
        # manifest from which the next run can remove whatever it no longer produces.
        previous = _previous_manifest(storage, arrival_hour)
        planned = {
            lake_file_key(event_type, hour_from_epoch_hours(hours), arrival_hour)
            for event_type, hours in cells.cells()
        }
        _write_manifest(storage, arrival_hour, sorted(set(previous) | planned), complete=False)

        # Pass 2: one lake file per cell, by a few threads (on S3 the uploads overlap; late
        # events can scatter an hour over thousands of small cells).
        _publish_cells(storage, cells, arrival_hour, within_hour_copies, published, workdir, quarantine, stats)

        for stale in set(previous) - set(stats.lake_files):
            storage.delete(stale)
        q_key = quarantine_key(arrival_hour)
        if quarantine.close():
            stats.bytes_written += quarantine.path.stat().st_size
            storage.move_file(quarantine.path, q_key)
            stats.quarantine_file = q_key
        else:
            storage.delete(q_key)
        stats.quarantined = quarantine.rows
        if write_id_index(workdir / "ids.parquet", ids, within_hour_copies, published):
            storage.move_file(workdir / "ids.parquet", id_index_key(arrival_hour))
        else:
            storage.delete(id_index_key(arrival_hour))
        _write_manifest(storage, arrival_hour, stats.lake_files, complete=True)

    stats.seconds = time.perf_counter() - started
    if stats.valid + stats.quarantined != stats.records_read:
        raise RuntimeError(
            f"ingest of {partition_file_stem(arrival_hour)} lost records: read {stats.records_read}, "
            f"valid {stats.valid}, quarantined {stats.quarantined}"
        )
    return stats


def _publish_cells(storage, cells, arrival_hour, later_copies, published, workdir, quarantine, stats) -> None:
    def publish(cell: tuple[str, int]) -> tuple[str, str, CellResult]:
        event_type, hours = cell
        key = lake_file_key(event_type, hour_from_epoch_hours(hours), arrival_hour)
        with storage.staged_file(key, staging_dir=workdir) as path:
            result = write_cell(cells.read(cell), later_copies, published, path)
        if not result.rows:
            storage.delete(key)  # an earlier run's file for a cell that is now all duplicates
        return event_type, key, result

    with ThreadPoolExecutor(max_workers=WRITER_THREADS) as pool:
        for event_type, key, result in pool.map(publish, cells.cells()):
            quarantine.write(result.duplicates)
            stats.duplicates += len(result.duplicates)
            stats.reasons[DUPLICATE_ID] += len(result.duplicates)
            if result.rows:
                stats.lake_files.append(key)
                stats.bytes_written += result.bytes
                stats.valid += result.rows
                stats.types[event_type] += result.rows
