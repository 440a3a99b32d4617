"""A date's compacted rollup: the union of its committed per-hour rollups, in one small file.

Each arrival hour's rollup of a date (rollups.py) repeats the random user id text of every
user active in that hour, so a day's 24+ rollups hold each active user ~17 times: about 13 B
per event, near the entropy of the ids, whatever the encoding. One file per date with the
day's distinct (user id, event type) pairs stores each id once: ~1.9 MB instead of 12 MB for
the benchmark's 1M events. ``compact_date`` writes
``rollups/events_by_date/event_date=<D>/rollup.parquet`` (ROLLUP_SCHEMA; hour rows summed over
the hours, user rows the distinct pairs with their summed events, sorted by user id and type)
and records in its footer the commit id of every arrival hour it covers
(platform_assets/hour_commits.py), so a reader can verify it still stands for those hours.

Incremental: when the previous compacted rollup is still valid, only the hours it does not
cover are read and merged into it. Hours whose commit has no id (ingested before commit ids)
are left out; readers merge their own rollups. Dagster-free; the asset is in
date_rollup_asset.py.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from platform_assets.events.rollups import ROLLUP_SCHEMA, rollup_table
from platform_assets.hour_commits import (
    COVERS_KEY,
    covers_of,
    daily_rollup_key,
    read_hour_commits,
    stem_of,
    trusted_rollups,
    usable_covers,
)
from platform_assets.lake_files import rollup_date_prefix
from resources.storage import StorageResource

READ_THREADS = 8


@dataclass
class DateRollup:
    date: str
    hours: list[str] = field(default_factory=list)  # arrival partitions covered
    hours_read: int = 0  # per-hour rollups read this time (the others came from the previous)
    users: int = 0
    pairs: int = 0
    bytes_written: int = 0
    seconds: float = 0.0


def _read(fs, base: str, key: str) -> pa.Table:
    with fs.open_input_file(f"{base}/{key}") as f:
        return pq.read_table(f)


def _previous(fs, base: str, key: str) -> tuple[pa.Table | None, dict[str, str]]:
    try:
        with fs.open_input_file(f"{base}/{key}") as f:
            parquet = pq.ParquetFile(pa.BufferReader(f.read()))
            return parquet.read(), covers_of(parquet.metadata.metadata)
    except FileNotFoundError:
        return None, {}


def compacted(tables: list[pa.Table]) -> pa.Table:
    """Rollup tables (per hour, or compacted) merged exactly into one, ROLLUP_SCHEMA."""
    table = pa.concat_tables([ROLLUP_SCHEMA.empty_table(), *tables])
    is_hour = pc.is_valid(table.column("event_hour"))
    hours = (
        table.filter(is_hour)
        .group_by(["event_type", "event_hour"])
        .aggregate([("events", "sum"), ("late_events", "sum")])
        .sort_by([("event_type", "ascending"), ("event_hour", "ascending")])
    )
    users = (
        table.filter(pc.invert(is_hour))
        .group_by(["user_id", "event_type"])
        .aggregate([("events", "sum")])
        .sort_by([("user_id", "ascending"), ("event_type", "ascending")])
    )
    compacted = rollup_table(
        hours.column("event_type"),
        hours.column("event_hour"),
        hours.column("events_sum"),
        hours.column("late_events_sum"),
        users.column("event_type"),
        users.column("user_id"),
        users.column("events_sum"),
    )
    # One chunk: row groups then follow the sort (ids sorted compress into runs).
    return compacted.combine_chunks()


def compact_date(storage: StorageResource, date: str, workdir: Path) -> DateRollup:
    """Write (or remove, when no hour qualifies) ``date``'s compacted rollup."""
    began = time.perf_counter()
    result = DateRollup(date)
    key = daily_rollup_key(date)
    keys = [o.key for o in storage.list_objects(rollup_date_prefix(date))]
    keys = [k for k in keys if k.endswith(".parquet")]
    commits = read_hour_commits(storage, sorted({stem_of(k) for k in keys})).commits
    # Only hours with a commit id can be verified by readers later.
    trusted = [k for k in trusted_rollups(commits, keys) if commits[stem_of(k)].commit_id]
    if not trusted:
        storage.delete(key)
        result.seconds = time.perf_counter() - began
        return result
    fs, base = storage.arrow_filesystem()
    previous, covers = _previous(fs, base, key)
    trusted_stems = {stem_of(k) for k in trusted}
    if previous is None or not usable_covers(covers, commits, trusted_stems):
        previous, covers = None, {}
    todo = [k for k in trusted if stem_of(k) not in covers]
    if not todo and previous is not None:  # nothing new: the file already stands
        result.hours = sorted(covers)
        result.seconds = time.perf_counter() - began
        return result
    with ThreadPoolExecutor(READ_THREADS) as pool:
        tables = list(pool.map(lambda k: _read(fs, base, k), todo))
    table = compacted(([previous] if previous is not None else []) + tables)
    covers = {**covers, **{stem_of(k): commits[stem_of(k)].commit_id for k in todo}}
    table = table.replace_schema_metadata({COVERS_KEY: json.dumps(covers, sort_keys=True)})
    with storage.staged_file(key, staging_dir=workdir) as path:
        pq.write_table(table, path, compression="zstd")
        result.bytes_written = path.stat().st_size
    user_ids = table.column("user_id").drop_null()
    result.hours, result.hours_read = sorted(covers), len(todo)
    result.pairs, result.users = len(user_ids), pc.count_distinct(user_ids).as_py()
    result.seconds = time.perf_counter() - began
    return result
