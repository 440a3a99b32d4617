"""Hold the hour's valid events grouped by lake cell, in memory up to a bound, then on disk.

Valid events are kept per lake cell (type x event hour) so each lake file can be written
from its own rows (their ids: id_buckets.py). Small hours never touch the disk; past
``memory_rows`` rows or ``memory_bytes`` bytes, buffers are flushed to local Arrow IPC files
(lz4), and read back a group of cells at a time, so memory depends on those bounds, not on
the size of the hour nor on the size of its records.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc as ipc

IPC_OPTIONS = ipc.IpcWriteOptions(compression="lz4")
# Spilled batches are small: decompressing their buffers on the CPU pool costs a round
# trip of tasks per batch, more than the work itself.
IPC_READ = ipc.IpcReadOptions(use_threads=False)
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
    return table, [
        (cell, int(start), int(length))
        for cell, start, length in zip(cells, starts, lengths, strict=True)
    ]


# Rows a spill file's record batches hold: reading a range of rows reads at most two
# batches more than it needs, and a batch is only a few MB.
SPILL_BATCH_ROWS = 4096


@dataclass
class CellGroup:
    """Consecutive cells of the hour, for one write: either ``table``, whole cells sorted by
    cell and seq with ``cells`` as (cell, first row, rows), or, for one cell too big for a
    table, ``pieces``: an iterator of its rows in seq order, a bounded slice at a time."""

    cells: list[tuple[tuple, int, int]]
    table: pa.Table | None = None
    pieces: Iterator[pa.Table] | None = None


class CellStore:
    """Valid events by cell: buffered in memory; past the bound, each flush is sorted by cell
    and written to one local Arrow IPC file (lz4) in batches of SPILL_BATCH_ROWS rows, and
    each cell's row range in it is remembered. Reading back goes cell group by cell group,
    in cell order: a group's rows are one contiguous range of every spill file, so a group
    costs a few batch reads per file whatever its number of cells (late events can scatter
    an hour over thousands of cells)."""

    def __init__(
        self, directory: Path, schema: pa.Schema, memory_rows: int, memory_bytes: int = 1 << 62
    ):
        self.directory = directory
        self.schema = schema
        self.memory_rows = memory_rows
        self.memory_bytes = memory_bytes
        self._buffer: list[pa.Table] = []
        self._buffered = 0
        self._buffered_bytes = 0
        self._total_rows = 0
        self._total_bytes = 0
        self._runs: list[Path] = []
        self._spilled: dict[
            tuple, list[tuple[int, int, int]]
        ] = {}  # cell -> [(run, first row, rows)]
        # After finish: the unspilled rest, sorted by cell, and each cell's slice of it.
        self._rest = schema.empty_table()
        self._rest_cells: dict[tuple, tuple[int, int]] = {}

    def add(self, table: pa.Table) -> None:
        nbytes = table.nbytes
        self._buffer.append(table)
        self._buffered += table.num_rows
        self._buffered_bytes += nbytes
        self._total_rows += table.num_rows
        self._total_bytes += nbytes
        if self._buffered >= self.memory_rows or self._buffered_bytes >= self.memory_bytes:
            self._flush()

    def group_rows(self) -> int:
        """Rows a group of cells may hold when read back: half of the memory bound (a group
        is copied twice on its way to the writer), in rows and in bytes at the hour's
        average row size."""
        average = max(1, self._total_bytes // max(1, self._total_rows))
        return max(1, min(self.memory_rows, self.memory_bytes // average) // 2)

    def _take_buffer(self) -> pa.Table:
        table = pa.concat_tables(self._buffer) if self._buffer else self.schema.empty_table()
        self._buffer, self._buffered, self._buffered_bytes = [], 0, 0
        return table

    def _flush(self) -> None:
        run = len(self._runs)
        path = self.directory / f"cells-{run}.arrow"
        self._runs.append(path)
        table, cells = sort_by_cell(self._take_buffer())
        with ipc.new_file(str(path), self.schema, options=IPC_OPTIONS) as writer:
            writer.write_table(table, max_chunksize=SPILL_BATCH_ROWS)
        for cell, start, length in cells:
            self._spilled.setdefault(cell, []).append((run, start, length))

    def finish(self) -> None:
        """No more rows: what is still buffered stays in memory, sorted by cell."""
        rest, cells = sort_by_cell(self._take_buffer())
        self._rest = rest.combine_chunks()  # one batch of whole cells
        self._rest_cells = {cell: (start, length) for cell, start, length in cells}

    def cells(self) -> list[tuple]:
        return sorted(set(self._spilled) | set(self._rest_cells))

    @property
    def spilled(self) -> bool:
        return bool(self._spilled)

    def rows(self, cell: tuple) -> int:
        rest = self._rest_cells.get(cell, (0, 0))[1]
        return rest + sum(length for _, _, length in self._spilled.get(cell, []))

    def groups(self, max_rows: int, max_cells: int) -> Iterator[CellGroup]:
        """Every row, cells in order, each cell's rows together and in arrival (seq) order:
        groups of at most ``max_cells`` whole cells and ``max_rows`` rows (a cell with more
        rows than that is a group of its own, in pieces). An hour that never spilled is one
        group: its sorted in-memory table."""
        if not self._spilled:
            cells = [(cell, start, length) for cell, (start, length) in self._rest_cells.items()]
            yield CellGroup(cells, table=self._rest)
            return
        with _RunReaders(self._runs) as readers:
            group: list[tuple] = []
            rows = 0
            for cell in self.cells():
                cell_rows = self.rows(cell)
                if group and (rows + cell_rows > max_rows or len(group) >= max_cells):
                    yield self._read_group(group, readers)
                    group, rows = [], 0
                if cell_rows > max_rows:
                    yield CellGroup([(cell, 0, cell_rows)], pieces=self._cell_pieces(cell, readers))
                    continue
                group.append(cell)
                rows += cell_rows
            if group:
                yield self._read_group(group, readers)

    def _read_group(self, group: list[tuple], readers: _RunReaders) -> CellGroup:
        """The group's rows from every spill file and the rest: one contiguous range of each,
        since the group's cells are consecutive in cell order."""
        ranges: dict[int, list[int]] = {}
        for cell in group:
            for run, start, length in self._spilled.get(cell, []):
                first_last = ranges.setdefault(run, [start, start + length])
                first_last[0], first_last[1] = (
                    min(first_last[0], start),
                    max(first_last[1], start + length),
                )
        parts = [readers.rows(run, first, last) for run, (first, last) in sorted(ranges.items())]
        rest = [self._rest_cells[cell] for cell in group if cell in self._rest_cells]
        if rest:
            first, last = rest[0][0], rest[-1][0] + rest[-1][1]
            parts.append(self._rest.slice(first, last - first))
        table, cells = sort_by_cell(pa.concat_tables(parts))
        return CellGroup(cells, table=table)

    def _cell_pieces(self, cell: tuple, readers: _RunReaders) -> Iterator[pa.Table]:
        for run, start, length in self._spilled.get(cell, []):
            for first in range(start, start + length, SPILL_BATCH_ROWS):
                yield readers.rows(run, first, min(first + SPILL_BATCH_ROWS, start + length))
        if cell in self._rest_cells:
            start, length = self._rest_cells[cell]
            yield self._rest.slice(start, length)


class _RunReaders:
    """The spill files, opened once, read by row range. Plain reads, not a memory map:
    mapped pages would count as resident memory and grow with the spill, i.e. with the
    size of the hour."""

    def __init__(self, paths: list[Path]):
        self._paths = paths
        self._files: dict[int, pa.OSFile] = {}
        self._readers: dict[int, ipc.RecordBatchFileReader] = {}

    def __enter__(self) -> _RunReaders:
        return self

    def __exit__(self, *exc) -> None:
        for file in self._files.values():
            file.close()

    def rows(self, run: int, first: int, last: int) -> pa.Table:
        """Rows [first, last) of spill file ``run``, copied out of the batches they sit in
        (a slice would keep whole batches alive while the group is assembled)."""
        if run not in self._readers:
            self._files[run] = pa.OSFile(str(self._paths[run]))
            self._readers[run] = ipc.open_file(self._files[run], options=IPC_READ)
        reader = self._readers[run]
        parts = []
        for index in range(first // SPILL_BATCH_ROWS, (last - 1) // SPILL_BATCH_ROWS + 1):
            batch = reader.get_batch(index)
            offset = index * SPILL_BATCH_ROWS
            low, high = max(first - offset, 0), min(last - offset, batch.num_rows)
            parts.append(batch.take(pa.array(np.arange(low, high, dtype=np.int64))))
        return pa.Table.from_batches(parts, schema=reader.schema)
