"""Ingest arrival hours of landing files into the lake and the quarantine.

Three stages, the second the only one that depends on other hours:

1. ``prepare_hour`` (prepare.py) streams every landing line of the hour in batches into the
   hour's quarantine, lake cells and id buckets (local, bounded memory).
2. ``decide_duplicates`` finds every later copy of an id within the hour (the buckets) and
   the ids the lake already holds from nearby arrival hours (their id indexes, see
   published_ids.py; never a scan of the lake), and writes the hour's own id index locally.
3. ``publish_hour`` (publish.py) writes one Parquet file per cell without either kind of
   copy, then the hour's quarantine file and id index, and commits its manifest last.

``ingest_hours`` runs them for a range of hours, publishing each hour in a background
thread while the next is prepared and decided. It holds the lease of every hour of the
range (partition_lease.py) for the whole run: a second run touching one of them stops at
once, naming the hour and the run that holds it, before reading anything.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from platform_assets.events.landing_reader import DEFAULT_BATCH_BYTES
from platform_assets.events.layout import id_index_key, partition_file_stem
from platform_assets.events.prepare import (  # noqa: F401 - the ingest's public names
    DEFAULT_BATCH_SIZE,
    HourStats,
    PreparedHour,
    prepare_hour,
)
from platform_assets.events.publish import publish_hour
from platform_assets.events.published_ids import (
    DEFAULT_WINDOW_HOURS,
    WINDOW_CACHE_BYTES,
    WindowIds,
    already_published,
    dropped_seqs,
    window_key_range,
    write_id_index,
)
from platform_assets.partition_lease import leases_held
from platform_assets.progress import ProgressLog
from resources.storage import StorageResource

LEASE_DATASET = "events"  # state/leases/events/<YYYY-MM-DDTHH>.json


@dataclass
class Decision:
    """Stage 2's output: which valid rows are copies, and the hour's id index (local)."""

    dropped_seqs: np.ndarray  # sorted seq of the rows that must not reach the lake (copies)
    index_path: Path | None  # None when the hour keeps no id


def decide_duplicates(
    storage: StorageResource,
    prepared: PreparedHour,
    window_hours: int = DEFAULT_WINDOW_HOURS,
    unpublished: dict[str, Path | None] | None = None,
    window: WindowIds | None = None,
) -> Decision:
    """Stage 2: the hour's copies, and its id index written locally. ``unpublished``: the id
    indexes of hours whose publishing is still under way (key -> local file or None);
    ``window``: ids of nearby hours already read in this run, and where the hour's own go."""
    later_copies = prepared.ids.later_duplicates()
    published = already_published(
        storage, prepared.arrival_hour, prepared.ids, window_hours, unpublished, window
    )
    dropped = dropped_seqs(prepared.ids, later_copies, published)
    index_path = prepared.workdir / "ids.parquet"
    kept, kept_ids = write_id_index(index_path, prepared.ids, dropped)
    key = id_index_key(prepared.arrival_hour)
    if window is not None:
        window.discard(key)  # what an earlier run stored for this hour no longer holds
        if kept_ids is not None:
            window.put(key, kept_ids)
    if not kept:
        index_path.unlink(missing_ok=True)
        index_path = None
    return Decision(dropped, index_path)


def ingest_hour(
    storage: StorageResource,
    arrival_hour: datetime,
    batch_size: int = DEFAULT_BATCH_SIZE,
    spill_dir: Path | None = None,
    dedupe_window_hours: int = DEFAULT_WINDOW_HOURS,
    **options,
) -> HourStats:
    """Validate, deduplicate and publish one arrival hour. Safe to run again at any time
    (and at the same time: see ``ingest_hours``' lease)."""
    (stats,) = ingest_hours(
        storage, [arrival_hour], batch_size, spill_dir, dedupe_window_hours, **options
    )
    return stats


def ingest_hours(
    storage: StorageResource,
    arrival_hours: list[datetime],
    batch_size: int = DEFAULT_BATCH_SIZE,
    spill_dir: Path | None = None,
    dedupe_window_hours: int = DEFAULT_WINDOW_HOURS,
    window_cache_bytes: int = WINDOW_CACHE_BYTES,
    *,
    batch_bytes: int = DEFAULT_BATCH_BYTES,
    holder: str | None = None,
    lease_wait_seconds: float = 0.0,
    progress: ProgressLog | None = None,
) -> Iterator[HourStats]:
    """``ingest_hour`` for each hour, in order, yielding each hour's stats once it is published.

    An hour is published by a background thread while this one reads, validates and
    deduplicates the next. The lake writer spends most of its time in C++ without the GIL,
    so on two cores the two overlap. The next hour checks its ids against the id index of
    the hour being published (still a local file) in place of whatever storage holds for
    that hour, so the rules are exactly those of running the hours one by one. At most two
    hours are held at once. ``progress`` hears of every batch read (and which hour of how many).

    The run first takes the lease of every hour (``holder`` names it, e.g. the Dagster run;
    waiting up to ``lease_wait_seconds`` for another holder, then PartitionBusyError naming
    the hour and that holder) and keeps them until it ends.
    """
    hours = [partition_file_stem(hour) for hour in arrival_hours]
    held = leases_held(storage, LEASE_DATASET, hours, holder, wait_seconds=lease_wait_seconds)
    with held as leases:
        yield from _ingest_leased(
            storage, arrival_hours, leases, batch_size, batch_bytes, spill_dir, dedupe_window_hours,
            window_cache_bytes, progress,
        )  # fmt: skip


def _ingest_leased(
    storage,
    arrival_hours,
    leases,
    batch_size,
    batch_bytes,
    spill_dir,
    dedupe_window_hours,
    window_cache_bytes,
    progress,
) -> Iterator[HourStats]:
    publishing: tuple[Future, tempfile.TemporaryDirectory] | None = None
    unpublished: dict[str, Path | None] = {}  # the id index of the hour being published
    window = WindowIds(window_cache_bytes)  # the ids of nearby hours, read once for the range
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sluice-publish") as publisher:
        try:
            for number, arrival_hour in enumerate(arrival_hours, 1):
                if progress is not None:
                    progress.start_part(
                        number, len(arrival_hours), f"{arrival_hour:%Y-%m-%d %H}:00"
                    )
                workdir = tempfile.TemporaryDirectory(dir=spill_dir, prefix="sluice-ingest-")
                try:
                    prepared = prepare_hour(
                        storage, arrival_hour, Path(workdir.name), batch_size, batch_bytes, progress
                    )
                    window.retain(*window_key_range(arrival_hour, dedupe_window_hours))
                    decision = decide_duplicates(
                        storage, prepared, dedupe_window_hours, unpublished, window
                    )
                    if publishing is not None:
                        yield _finish(*publishing)
                        publishing = None
                except BaseException:
                    workdir.cleanup()
                    raise
                lease = leases[partition_file_stem(arrival_hour)]
                job = publisher.submit(publish_hour, storage, prepared, decision, lease)
                publishing = (job, workdir)
                unpublished = {id_index_key(arrival_hour): decision.index_path}
            if publishing is not None:
                yield _finish(*publishing)
                publishing = None
        finally:
            if publishing is not None:  # the run failed or was stopped while an hour was publishing
                wait([publishing[0]])
                publishing[1].cleanup()


def _finish(publishing: Future, workdir: tempfile.TemporaryDirectory) -> HourStats:
    try:
        return publishing.result()
    finally:
        workdir.cleanup()
