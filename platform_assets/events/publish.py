"""Stage 3 of an hour's ingest: publish its lake files, quarantine, id index and manifest.

Every file is written under a hidden name or locally first and moved into place (or
uploaded) in one step. The manifest (manifest.py) announces what may be written, and is
committed last: readers take the hour's files from it. The run's lease on the hour
(platform_assets/partition_lease.py) is checked before the first write and before the
commit: a run whose lease was taken over stops rather than publish over its successor.
"""

from __future__ import annotations

import os
import time
import uuid

import pyarrow as pa

from platform_assets.compressed_files import keep_raw_copies
from platform_assets.events.lake_writer import write_lake_files
from platform_assets.events.layout import (
    LAKE_PREFIX,
    corrupt_files_prefix,
    id_index_key,
    lake_file_key,
    partition_file_stem,
    quarantine_key,
)
from platform_assets.events.manifest import Manifest, read_manifest, write_manifest
from platform_assets.events.prepare import HourStats, PreparedHour
from platform_assets.events.published_ids import distinct_ids
from platform_assets.events.rollups import RollupBuilder, planned_rollup_keys
from platform_assets.events.validate import DUPLICATE_ID
from platform_assets.hour_commits import commit_summary_key, summary_body
from platform_assets.partition_lease import PartitionLease
from resources.storage import StorageResource


def _remove_temporary_files(storage: StorageResource, lake_keys, name_prefix: str) -> None:
    """Hidden files starting with ``name_prefix`` in the directories of ``lake_keys``."""
    for cell_prefix in sorted({key.rsplit("/", 1)[0] + "/" for key in lake_keys}):
        storage.remove_hidden(cell_prefix, name_prefix)


def temp_name_prefix(arrival_hour) -> str:
    """Lake files are written under hidden names starting so, then renamed (see lake_writer)."""
    return f".{partition_file_stem(arrival_hour)}.parquet.tmp-"


def publish_hour(
    storage: StorageResource, prepared: PreparedHour, decision, lease: PartitionLease | None = None
) -> HourStats:
    """The lake files, the quarantine file, the id index, then the manifest's commit.
    ``decision``: ingest.Decision (the copies to drop, the local id index)."""
    arrival_hour, stats, quarantine = prepared.arrival_hour, prepared.stats, prepared.quarantine
    generation = lease.generation if lease is not None else None
    if lease is not None:
        lease.check()

    # The commit summary goes first: from here until the new commit, readers of the hour's
    # rollups read its manifest (platform_assets/hour_commits.py).
    storage.delete(commit_summary_key(partition_file_stem(arrival_hour)))
    # Announce every file this run may write before writing any, so a crash leaves a
    # manifest from which the next run can remove whatever it no longer produces.
    previous = read_manifest(storage, arrival_hour) or Manifest()
    if not previous.complete:  # a killed run may have left hidden files in the cells it planned
        _remove_temporary_files(storage, previous.every_file, temp_name_prefix(arrival_hour))
    planned = {cell: lake_file_key(*cell, arrival_hour) for cell in prepared.cells.cells()}
    rollups = set(previous.rollups) | planned_rollup_keys(planned, arrival_hour)
    announced = Manifest(
        lake_files=previous.lake_files, complete=False,
        planned=sorted(previous.every_file | set(planned.values())), rollups=sorted(rollups),
    )  # fmt: skip
    write_manifest(storage, arrival_hour, announced, generation)

    rollup = RollupBuilder(arrival_hour)
    _publish_cells(storage, prepared, decision, planned, rollup)
    stats.rollups = rollup.publish(storage, arrival_hour, rollups, prepared.workdir)
    # The index holds, once each, the ids the same keep rule sent to the lake: rows written
    # beyond its distinct ids are copies (a copy let through, or a row written twice).
    stats.duplicate_ids_written = stats.valid - distinct_ids(decision.index_path)

    q_key = quarantine_key(arrival_hour)
    stats.quarantined = quarantine.rows
    keep_raw_copies(storage, corrupt_files_prefix(arrival_hour), stats.corrupt_files)
    if quarantine.close():
        stats.quarantine_bytes_written = quarantine.path.stat().st_size
        stats.bytes_written += stats.quarantine_bytes_written
        storage.move_file(quarantine.path, q_key)
        stats.quarantine_file = q_key
    else:
        storage.delete(q_key)
    if decision.index_path is not None:
        # Copied, not moved: the next hour may be reading it (see ingest_hours).
        storage.put_file(decision.index_path, id_index_key(arrival_hour))
    else:
        storage.delete(id_index_key(arrival_hour))

    if lease is not None:
        lease.check()  # the fence: commit only while the hour is still this run's
    stale = sorted(previous.every_file - set(stats.lake_files))
    counts = {
        "records_read": stats.records_read,
        "quarantined": stats.quarantined,
        "quarantined_by_reason": dict(sorted(stats.reasons.items())),
    }
    committed = Manifest(
        stats.lake_files, True, [], stale, stats.rollups, counts, commit_id=uuid.uuid4().hex
    )
    write_manifest(storage, arrival_hour, committed, generation)
    if stale:  # no longer the hour's: deleted once no manifest lists them as committed
        for key in stale:
            storage.delete(key)
            stats.lake_files_removed.append(key)
        committed.stale = []
        write_manifest(storage, arrival_hour, committed, generation)
    storage.put_bytes(
        commit_summary_key(partition_file_stem(arrival_hour)),
        summary_body(committed.commit_id, committed.rollups, counts),
    )

    stats.finished = time.perf_counter()
    if stats.valid + stats.quarantined != stats.records_read:
        raise RuntimeError(
            f"ingest of {partition_file_stem(arrival_hour)} lost records: "
            f"read {stats.records_read}, "
            f"valid {stats.valid}, quarantined {stats.quarantined}"
        )
    return stats


def _publish_cells(storage, prepared: PreparedHour, decision, keys: dict, rollup=None) -> None:
    """One lake file per cell: written in one call under hidden names, then each moved to
    its key (a rename locally, an upload on S3)."""
    stats = prepared.stats
    base = storage.writable_dir(LAKE_PREFIX, staging_dir=prepared.workdir)
    temp_name = f"{temp_name_prefix(prepared.arrival_hour)}{uuid.uuid4().hex}"
    try:
        written = write_lake_files(
            prepared.cells, decision.dropped_seqs, base, temp_name, rollup=rollup
        )
        moves = []
        for cell, rows in sorted(written.rows.items()):
            moves.append((written.paths[cell], keys[cell]))
            stats.lake_files.append(keys[cell])
            stats.bytes_written += os.stat(written.paths[cell]).st_size
            stats.valid += rows
            stats.types[cell[0]] += rows
        storage.move_files(moves)
    except BaseException:
        # A failed hour leaves none of its temporary files in the lake's directories.
        _remove_temporary_files(storage, keys.values(), temp_name)
        raise
    # Copies are few (redeliveries): one write for the hour, not one per cell.
    if written.duplicates:
        copies = pa.concat_tables(written.duplicates)
        prepared.quarantine.write_duplicates(copies)
        stats.duplicates += copies.num_rows
        stats.reasons[DUPLICATE_ID] += copies.num_rows
