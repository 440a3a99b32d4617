"""Hold the hour's valid events grouped by lake cell, in memory up to a bound, then on disk.

Valid events are kept per lake cell (type x event hour) so each lake file can be written
from its own rows; event ids are kept per hash bucket so duplicates can be found one
bucket at a time. Small hours never touch the disk; past ``memory_rows`` rows, buffers
are flushed to local Arrow IPC files (lz4), so memory depends on that bound, not on the
size of the hour.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc as ipc

_IPC_OPTIONS = ipc.IpcWriteOptions(compression="lz4")
# Spilled batches are small (a cell's rows of one flush): decompressing their buffers on
# the CPU pool costs a round trip of tasks per batch, far more than the work (measured:
# most of a spilled 1M-event hour's publish waited on it).
_IPC_READ = ipc.IpcReadOptions(use_threads=False)
MS_PER_HOUR = 3_600_000


def epoch_hours(created_at: pa.ChunkedArray) -> pa.ChunkedArray:
    """The event hour of each timestamp, as hours since the epoch: half of a cell's key."""
    return pc.divide(created_at.cast(pa.int64()), MS_PER_HOUR)


def sort_by_cell(table: pa.Table) -> tuple[pa.Table, list[tuple[tuple[str, int], int, int]]]:
    """``table`` sorted by (event_type, epoch hour of created_at, seq), and every cell's
    ``((event_type, hour), first row, row count)`` in that order. Vectorized: an hour has
    ~40k rows but only ~1,000 cells."""
    if table.num_rows == 0:
        return table, []
    table = table.append_column("_hour", epoch_hours(table.column("created_at"))).sort_by(
        [("event_type", "ascending"), ("_hour", "ascending"), ("seq", "ascending")]
    )
    types, hours = table.column("event_type"), table.column("_hour")
    table = table.drop_columns(["_hour"])
    rows = table.num_rows
    changed = pc.or_(
        pc.not_equal(types.slice(1), types.slice(0, rows - 1)),
        pc.not_equal(hours.slice(1), hours.slice(0, rows - 1)),
    )
    starts = np.concatenate([[0], np.flatnonzero(changed.to_numpy(zero_copy_only=False)) + 1])
    lengths = np.diff(np.append(starts, rows))
    cells = zip(types.take(starts).to_pylist(), hours.take(starts).to_pylist(), strict=True)
    return table, [(cell, int(start), int(length)) for cell, start, length in zip(cells, starts, lengths, strict=True)]


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
        self._spilled: dict[tuple, list[tuple[int, int]]] = {}  # cell -> [(run, batch index)]
        # After finish: the unspilled rest, sorted by cell, and each cell's slice of it.
        self._rest = schema.empty_table()
        self._rest_cells: dict[tuple, tuple[int, int]] = {}

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
        table, cells = sort_by_cell(self._take_buffer())
        with ipc.new_file(str(path), self.schema, options=_IPC_OPTIONS) as writer:
            for index, (cell, start, length) in enumerate(cells):
                writer.write_batch(table.slice(start, length).combine_chunks().to_batches()[0])
                self._spilled.setdefault(cell, []).append((run, index))

    def finish(self) -> None:
        """No more rows: what is still buffered stays in memory, sorted by cell."""
        rest, cells = sort_by_cell(self._take_buffer())
        self._rest = rest.combine_chunks()  # one batch of whole cells (see chunks)
        self._rest_cells = {cell: (start, length) for cell, start, length in cells}

    def cells(self) -> list[tuple]:
        return sorted(set(self._spilled) | set(self._rest_cells))

    @property
    def spilled(self) -> bool:
        return bool(self._spilled)

    def chunks(self) -> Iterator[tuple[pa.Table, list[tuple[tuple, int, int]]]]:
        """Every row, each cell's rows together and in arrival (seq) order, cells in order:
        (table, its cells as (cell, first row, rows)).

        An hour that never spilled is one sorted single-batch table of whole cells;
        otherwise each cell's spilled batches (one per flush), then its in-memory rest, one
        cell after the other. So a chunk holds either whole cells or a part of one cell: a
        lake writer that closes files to bound how many are open only closes finished cells
        (pyarrow's closes the largest)."""
        if not self._spilled:
            yield self._rest, [(cell, start, length) for cell, (start, length) in self._rest_cells.items()]
            return
        yield from self._spilled_chunks()

    def _spilled_chunks(self) -> Iterator[tuple[pa.Table, list[tuple[tuple, int, int]]]]:
        files, readers = [], {}
        try:
            for cell in self.cells():
                for run, index in self._spilled.get(cell, []):
                    if run not in readers:
                        # Plain reads, not a memory map: mapped pages would count as resident
                        # memory and grow with the spill, i.e. with the size of the hour.
                        files.append(pa.OSFile(str(self._runs[run])))
                        readers[run] = ipc.open_file(files[-1], options=_IPC_READ)
                    piece = pa.Table.from_batches([readers[run].get_batch(index)])
                    yield piece, [(cell, 0, piece.num_rows)]
                if cell in self._rest_cells:
                    start, length = self._rest_cells[cell]
                    yield self._rest.slice(start, length), [(cell, 0, length)]
        finally:
            for file in files:
                file.close()


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
            (stable_bucket(event_id, self.buckets) for event_id in table.column("event_id").to_pylist()),
            dtype=np.int64, count=table.num_rows,
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
                with ipc.open_stream(str(self._path(bucket)), options=_IPC_READ) as reader:
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
