"""The hour's (event_id, seq) pairs by stable hash bucket: in memory up to a bound, else on disk.

Duplicates are found one bucket at a time (see ingest.decide_duplicates), so memory holds one
bucket of a big hour, never all its ids.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc as ipc

from platform_assets.events.spill import IPC_OPTIONS, IPC_READ


def stable_bucket(event_id: str, buckets: int) -> int:
    # Stable across processes and runs (unlike hash()): the id index is bucketed the same way.
    return zlib.crc32(event_id.encode()) % buckets


class IdBuckets:
    """(event_id, seq) of the hour by stable hash bucket: in memory up to a bound, else on disk."""

    SCHEMA = pa.schema([("event_id", pa.string()), ("seq", pa.int64())])

    def __init__(self, directory: Path, memory_rows: int, buckets: int = 64):
        self.directory = directory
        self.memory_rows = memory_rows
        self.buckets = buckets
        self._buffer: list[pa.Table] = []
        self._buffered = 0
        self._writers: list[ipc.RecordBatchStreamWriter] | None = None

    def add(self, table: pa.Table) -> None:
        self._buffer.append(table.select(["event_id", "seq"]))
        self._buffered += table.num_rows
        if self._buffered >= self.memory_rows:
            self._flush()

    def _split(self) -> dict[int, pa.Table]:
        table = pa.concat_tables(self._buffer) if self._buffer else self.SCHEMA.empty_table()
        self._buffer, self._buffered = [], 0
        if table.num_rows == 0:
            return {}
        buckets = np.fromiter(
            (
                stable_bucket(event_id, self.buckets)
                for event_id in table.column("event_id").to_pylist()
            ),
            dtype=np.int64,
            count=table.num_rows,
        )
        # Rows grouped by bucket, in their order within each bucket (a stable sort).
        order = np.argsort(buckets, kind="stable")
        table, buckets = table.take(order), buckets[order]
        starts = np.flatnonzero(np.diff(buckets, prepend=-1))
        ends = np.append(starts[1:], len(buckets))
        return {int(buckets[a]): table.slice(a, b - a) for a, b in zip(starts, ends, strict=True)}

    def _flush(self) -> None:
        if self._writers is None:
            self._writers = [
                ipc.new_stream(str(self._path(i)), self.SCHEMA, options=IPC_OPTIONS)
                for i in range(self.buckets)
            ]
        for bucket, table in self._split().items():
            self._writers[bucket].write_table(table)

    def _path(self, bucket: int) -> Path:
        return self.directory / f"ids-{bucket}.arrow"

    @property
    def in_memory(self) -> bool:
        return self._writers is None

    def finish(self) -> None:
        if self._writers is None:
            self._in_memory = self._split()
            return
        if self._buffer:
            self._flush()
        for writer in self._writers:
            writer.close()
        self._in_memory = None

    def bucket_tables(self) -> Iterator[tuple[int, pa.Table]]:
        """(bucket, its (event_id, seq) rows), for the buckets that have any (after finish)."""
        for bucket in range(self.buckets):
            if self._in_memory is not None:
                table = self._in_memory.get(bucket)
            else:
                with ipc.open_stream(str(self._path(bucket)), options=IPC_READ) as reader:
                    table = reader.read_all()
            if table is not None and table.num_rows:
                yield bucket, table

    def later_duplicates(self) -> set[int]:
        """seq of every occurrence of an id after its first one (lowest seq)."""
        duplicates: set[int] = set()
        for _, table in self.bucket_tables():
            duplicates.update(_later_copies(table))
        return duplicates


def _later_copies(table: pa.Table) -> list[int]:
    if table.num_rows < 2:
        return []
    table = table.sort_by([("event_id", "ascending"), ("seq", "ascending")])
    ids = table.column("event_id")
    same_as_previous = pc.equal(ids.slice(1), ids.slice(0, table.num_rows - 1))
    return table.column("seq").slice(1).filter(same_as_previous).to_pylist()
