"""Stage 1 of an hour's ingest: read and validate its landing files (see ingest.py).

Invalid records go to the hour's quarantine writer (a local file), valid ones are held per
lake cell (type x event hour; in memory up to a bound in rows and bytes, then spilled to
local files), their ids per hash bucket. Nothing here depends on other hours.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from platform_assets.events.id_buckets import IdBuckets
from platform_assets.events.landing_reader import (
    CORRUPT_FILE,
    DEFAULT_BATCH_BYTES,
    landing_keys,
    read_batches,
)
from platform_assets.events.quarantine_writer import QuarantineWriter
from platform_assets.events.spill import CellStore
from platform_assets.events.validate import FUTURE_TOLERANCE_MS, VALID_SCHEMA, validate_lines
from platform_assets.progress import ProgressLog
from resources.storage import StorageResource

# pandera's cost per batch is large: fewer, larger batches (docs/events.md)
DEFAULT_BATCH_SIZE = 50_000


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
    rollups: list[str] = field(default_factory=list)  # rollups/events/... keys (see rollups.py)
    # Files an earlier run of the hour wrote and this one no longer produces (deleted).
    lake_files_removed: list[str] = field(default_factory=list)
    quarantine_file: str | None = None
    # Landing files that did not decompress to their end: quarantined whole, no record kept.
    corrupt_files: list[str] = field(default_factory=list)
    bytes_written: int = 0  # lake and quarantine files together
    quarantine_bytes_written: int = 0
    # perf_counter at the start of reading and at the end of publishing. Hours of one run
    # overlap (see ingest_hours): a run's duration is its last finish minus its first start.
    started: float = 0.0
    finished: float = 0.0
    # Ids written to this hour's lake files more than once (the asset check wants 0).
    duplicate_ids_written: int = 0

    @property
    def seconds(self) -> float:
        return self.finished - self.started

    @property
    def files_written(self) -> int:
        return len(self.lake_files) + (1 if self.quarantine_file else 0)


@dataclass
class PreparedHour:
    """Stage 1's output: everything about the hour that does not depend on other hours."""

    arrival_hour: datetime
    workdir: Path
    stats: HourStats
    cells: CellStore
    ids: IdBuckets
    quarantine: QuarantineWriter  # open, holding the invalid records; publish adds the copies


def prepare_hour(
    storage: StorageResource,
    arrival_hour: datetime,
    workdir: Path,
    batch_size: int = DEFAULT_BATCH_SIZE,
    batch_bytes: int = DEFAULT_BATCH_BYTES,
    progress: ProgressLog | None = None,
) -> PreparedHour:
    """Read and validate the hour; what does not fit in memory goes to ``workdir``."""
    stats = HourStats(arrival_hour=arrival_hour, started=time.perf_counter())
    max_created_at = (
        int((arrival_hour + timedelta(hours=1)).timestamp() * 1000) + FUTURE_TOLERANCE_MS
    )
    keys = landing_keys(storage, arrival_hour)
    stats.files_read = len(keys)
    stats.bytes_read = sum(size for _, size in keys)

    quarantine = QuarantineWriter(workdir / "quarantine.parquet")
    # Up to two batches of valid rows stay in memory; beyond that they go to disk.
    cells = CellStore(
        workdir, VALID_SCHEMA, memory_rows=2 * batch_size, memory_bytes=2 * batch_bytes
    )
    ids = IdBuckets(workdir, memory_rows=8 * batch_size)
    unreadable = []
    batches = read_batches(
        storage, [key for key, _ in keys], batch_size, unreadable, batch_bytes, workdir
    )
    file_index = {key: index for index, (key, _) in enumerate(keys)}
    for batch in batches:
        if progress is not None:  # the files before the batch's last one are done
            progress.files(file_index[batch.sources[-1][0]], len(keys))
            progress.add(len(batch))
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
        if CORRUPT_FILE in rejection.reasons:
            stats.corrupt_files.append(rejection.source_key)
    cells.finish()
    ids.finish()
    if progress is not None:
        progress.files(len(keys), len(keys))
    return PreparedHour(arrival_hour, workdir, stats, cells, ids, quarantine)
