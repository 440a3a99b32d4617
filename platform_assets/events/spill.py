"""Hold the hour's valid events grouped by lake cell, in memory up to a bound, then on disk.

Valid events are kept per lake cell (type x event hour) so each lake file can be written
from its own rows; event ids are kept per hash bucket so duplicates can be found one
bucket at a time. Small hours never touch the disk; past ``memory_rows`` rows, buffers
are flushed to local Arrow IPC files (lz4), so memory depends on that bound, not on the
size of the hour.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc as ipc

_IPC_OPTIONS = ipc.IpcWriteOptions(compression="lz4")
MS_PER_HOUR = 3_600_000


def group_by_cell(table: pa.Table) -> list[tuple[tuple[str, int], pa.Table]]:
    """Slices of ``table`` per (event_type, epoch hour of created_at), rows in seq order."""
    if table.num_rows == 0:
        return []
    hours = pc.divide(table.column("created_at").cast(pa.int64()), MS_PER_HOUR)
    table = table.append_column("_hour", hours).sort_by(
        [("event_type", "ascending"), ("_hour", "ascending"), ("seq", "ascending")]
    )
    types, hours = table.column("event_type").to_pylist(), table.column("_hour").to_pylist()
    table = table.drop_columns(["_hour"])
    groups, start = [], 0
    for index in range(1, len(types) + 1):
        if index == len(types) or types[index] != types[start] or hours[index] != hours[start]:
            groups.append(((types[start], hours[start]), table.slice(start, index - start)))
            start = index
    return groups


class CellStore:
    """Valid events by cell: buffered in memory; past the bound, each flush becomes one
    local Arrow IPC file holding one record batch per cell, so the number of spill files
    follows the number of flushes, not the number of cells (late events can scatter an
    hour over thousands of cells)."""

    def __init__(self, directory: Path, schema: pa.Schema, memory_rows: int):
        self.directory = directory
        self.schema = schema
        self.memory_rows = memory_rows
        self._buffer: list[pa.Table] = []
        self._buffered = 0
        self._runs: list[Path] = []
        self._readers: dict[int, ipc.RecordBatchFileReader] = {}
        self._read_lock = threading.Lock()  # pass 2 reads cells from several threads
        self._spilled: dict[tuple, list[tuple[int, int]]] = {}  # cell -> [(run, batch index)]
        self._in_memory: dict[tuple, pa.Table] = {}

    def add(self, table: pa.Table) -> None:
        self._buffer.append(table)
        self._buffered += table.num_rows
        if self._buffered >= self.memory_rows:
            self._flush()

    def _take_buffer(self) -> pa.Table:
        table = pa.concat_tables(self._buffer) if self._buffer else self.schema.empty_table()
        self._buffer, self._buffered = [], 0
        return table

    def _flush(self) -> None:
        run = len(self._runs)
        path = self.directory / f"cells-{run}.arrow"
        self._runs.append(path)
        batch_index = 0
        with ipc.new_file(str(path), self.schema, options=_IPC_OPTIONS) as writer:
            for cell, part in group_by_cell(self._take_buffer()):
                for batch in part.to_batches():
                    writer.write_batch(batch)
                    self._spilled.setdefault(cell, []).append((run, batch_index))
                    batch_index += 1

    def finish(self) -> None:
        """No more rows: what is still buffered stays in memory, grouped by cell."""
        self._in_memory = dict(group_by_cell(self._take_buffer()))

    def cells(self) -> list[tuple]:
        return sorted(set(self._spilled) | set(self._in_memory))

    def _reader(self, run: int) -> ipc.RecordBatchFileReader:
        if run not in self._readers:
            # Plain reads, not a memory map: mapped pages would count as resident memory and
            # grow with the spill, i.e. with the size of the hour.
            self._readers[run] = ipc.open_file(pa.OSFile(str(self._runs[run])))
        return self._readers[run]

    def read(self, cell: tuple) -> Iterator[pa.RecordBatch]:
        """The cell's rows in arrival order: flushed batches first, then the in-memory rest."""
        for run, index in self._spilled.get(cell, []):
            with self._read_lock:
                batch = self._reader(run).get_batch(index)
            yield batch
        if cell in self._in_memory:
            yield from self._in_memory.pop(cell).to_batches()


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
        groups: dict[int, list[int]] = {}
        for index, event_id in enumerate(table.column("event_id").to_pylist()):
            groups.setdefault(stable_bucket(event_id, self.buckets), []).append(index)
        return {bucket: table.take(indices) for bucket, indices in groups.items()}

    def _flush(self) -> None:
        if self._writers is None:
            self._writers = [
                ipc.new_stream(str(self._path(i)), self.SCHEMA, options=_IPC_OPTIONS) for i in range(self.buckets)
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
                with ipc.open_stream(str(self._path(bucket))) as reader:
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
