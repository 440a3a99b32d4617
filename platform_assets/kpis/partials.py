"""One task's partial KPIs, and their exact merge.

A partial holds counts (events per type and hour, late events, quarantined records per
reason) and the exact set of distinct (event type, user id) pairs it saw. Counts add; pair
sets union (concatenate, then distinct): distinct users per type and overall are exact after
any merge order, so tasks can run anywhere (a process pool, a Dask cluster) and be merged in
any grouping. A task carries the storage settings, not a client: it opens its own.
"""

from __future__ import annotations

import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from platform_assets.hour_commits import covers_of, stem_of
from platform_assets.kpis.plan import FileRef, Task
from resources.storage import StorageResource

READ_THREADS = 8  # object reads are latency-bound: overlap them within a task
WHOLE_FILE_BYTES = 256 << 10  # smaller files are fetched in one GET, cheaper than footer + column
PAIR_SCHEMA = pa.schema([("event_type", pa.string()), ("user_id", pa.string())])


class RollupChanged(RuntimeError):
    """A compacted rollup was rewritten between planning and reading: plan again."""


@dataclass
class Partial:
    hour_events: Counter = field(default_factory=Counter)  # (event_type, event hour 0-23) -> events
    late_events: int = 0
    pairs: pa.Table = field(default_factory=PAIR_SCHEMA.empty_table)  # distinct (type, user id)
    quarantine_reasons: Counter = field(default_factory=Counter)
    quarantined: int = 0
    files_read: int = 0
    bytes_read: int = 0
    bytes_by_kind: Counter = field(default_factory=Counter)  # task kind -> bytes read


def distinct_pairs(table: pa.Table) -> pa.Table:
    # One chunk: the group_by's chunks are slices of shared buffers, and pickling a slice (to
    # another process or a Dask worker) sends its whole buffer (docs/kpis.md).
    return (
        table.group_by(["event_type", "user_id"])
        .aggregate([])
        .select(PAIR_SCHEMA.names)
        .combine_chunks()
    )


def merge(partials: list[Partial]) -> Partial:
    merged = Partial()
    pairs = [merged.pairs]
    for part in partials:
        merged.hour_events.update(part.hour_events)
        merged.late_events += part.late_events
        merged.quarantine_reasons.update(part.quarantine_reasons)
        merged.quarantined += part.quarantined
        merged.files_read += part.files_read
        merged.bytes_read += part.bytes_read
        merged.bytes_by_kind.update(part.bytes_by_kind)
        pairs.append(part.pairs)
    merged.pairs = distinct_pairs(pa.concat_tables(pairs))
    return merged


class _CountingReader:
    """A file object that counts the bytes pyarrow actually reads through it."""

    def __init__(self, raw):
        self.raw, self.bytes = raw, 0

    def read(self, size=-1):
        data = self.raw.read(size)
        self.bytes += len(data)
        return data

    def seek(self, offset, whence=0):
        return self.raw.seek(offset, whence)

    def tell(self):
        return self.raw.tell()

    def seekable(self):
        return True

    def readable(self):
        return True

    @property
    def closed(self):
        return self.raw.closed

    def close(self):
        self.raw.close()


def _read(fs, base: str, ref: FileRef, columns: list[str] | None) -> tuple[pa.Table, int, int]:
    """(the file's ``columns`` present in it, its row count, bytes read). Small files in one
    read; big ones footer first, then only the column chunks asked for."""
    path = f"{base}/{ref.key}"
    try:
        raw = fs.open_input_file(path)
    except FileNotFoundError:
        if ref.covers:  # a compacted rollup removed since it was planned
            raise RollupChanged(f"{ref.key} was removed while it was read") from None
        raise
    with raw:
        if ref.size <= WHOLE_FILE_BYTES or columns is None:  # every column: the whole file
            data = raw.read()
            source, counter = pa.BufferReader(data), None
        else:
            counter = _CountingReader(raw)
            source = pa.PythonFile(counter, mode="r")
        parquet = pq.ParquetFile(source)
        if ref.covers and json.dumps(covers_of(parquet.metadata.metadata), sort_keys=True) != (
            ref.covers
        ):  # its hours may now also be planned from their own rollups: never count them twice
            raise RollupChanged(f"{ref.key} was rewritten while it was read")
        present = (
            None if columns is None else [c for c in columns if c in parquet.schema_arrow.names]
        )
        table = parquet.read(columns=present) if present != [] else pa.table({})
        rows = parquet.metadata.num_rows
        return table, rows, len(data) if counter is None else counter.bytes


def _rollup(table: pa.Table, rows: int, ref: FileRef, part: Partial) -> list[pa.Table]:
    is_hour = pc.is_valid(table.column("event_hour"))
    hours = table.filter(is_hour)
    for event_type, hour, events, late in zip(
        hours.column("event_type").to_pylist(),
        hours.column("event_hour").to_pylist(),
        hours.column("events").to_pylist(),
        hours.column("late_events").to_pylist(),
        strict=True,
    ):
        part.hour_events[(event_type, hour)] += events
        part.late_events += late
    return [table.filter(pc.invert(is_hour)).select(PAIR_SCHEMA.names)]


def _lake(table: pa.Table, rows: int, ref: FileRef, part: Partial) -> list[pa.Table]:
    # lake/events/event_type=<t>/event_date=<D>/event_hour=<HH>/<arrival>.parquet: type and
    # hour are in the path; lateness compares the event hour with the arrival hour.
    type_dir, date_dir, hour_dir = ref.key.split("/")[-4:-1]
    event_type, date, hour = (
        type_dir.split("=", 1)[1],
        date_dir.split("=", 1)[1],
        int(hour_dir.split("=", 1)[1]),
    )
    part.hour_events[(event_type, hour)] += rows
    if f"{date}T{hour:02d}" < stem_of(ref.key):
        part.late_events += rows
    if "user_id" not in table.column_names:  # written before the column existed: no users
        return []
    users = pc.unique(table.column("user_id").drop_null())
    return [
        pa.table({"event_type": pa.array([event_type] * len(users), pa.string()), "user_id": users})
    ]


def _quarantine(table: pa.Table, rows: int, ref: FileRef, part: Partial) -> list[pa.Table]:
    part.quarantined += rows
    reasons = pc.list_flatten(table.column("reasons"))
    for item in pc.value_counts(reasons).to_pylist():
        part.quarantine_reasons[item["values"]] += item["counts"]
    return []


# What each kind of file contributes, and the only columns it needs.
_READERS = {
    "rollup": (_rollup, None),
    "lake": (_lake, ["user_id"]),
    "quarantine": (_quarantine, ["reasons"]),
}


def run_task(storage_url: str, s3_endpoint_url: str | None, task: Task) -> Partial:
    """Read the task's files and summarise them. Runs in any process (a pool, a Dask worker)."""
    storage = StorageResource(url=storage_url, s3_endpoint_url=s3_endpoint_url)
    fs, base = storage.arrow_filesystem()
    summarise, columns = _READERS[task.kind]
    part = Partial()
    with ThreadPoolExecutor(READ_THREADS) as pool:
        results = list(pool.map(lambda ref: _read(fs, base, ref, columns), task.files))
    pairs = []
    for ref, (table, rows, bytes_read) in zip(task.files, results, strict=True):
        pairs += summarise(table, rows, ref, part)
        part.files_read += 1
        part.bytes_read += bytes_read
        part.bytes_by_kind[task.kind] += bytes_read
    if pairs:
        part.pairs = distinct_pairs(pa.concat_tables([PAIR_SCHEMA.empty_table(), *pairs]))
    return part
