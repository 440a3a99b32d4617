"""Write an arrival hour's lake files in one call: one Parquet file per cell, minus the copies.

pyarrow's dataset writer partitions, encodes and creates the ~1,000 files of an hour in
C++ on its own threads, without holding the GIL, so Python can prepare the next hour
meanwhile. Files are written under hidden temporary names; the caller moves each into
place (a rename locally, an upload on S3), so readers never see a partial file.
"""

from __future__ import annotations

import os
import resource
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from platform_assets.events.layout import event_date, event_hour, lake_cell_dir
from platform_assets.events.spill import CellStore

LAKE_SCHEMA = pa.schema(
    [
        ("event_id", pa.string()),
        ("created_at", pa.timestamp("ms", tz="UTC")),
        ("attributes", pa.string()),
        ("meta", pa.string()),
        ("source_key", pa.string()),
        ("line_number", pa.int64()),
    ]
)
# The cell directories, in the order of layout.lake_cell_dir; not stored in the files.
_LABEL = pa.dictionary(pa.int32(), pa.string())
PARTITION_SCHEMA = pa.schema([("event_type", pa.string()), ("event_date", _LABEL), ("event_hour", _LABEL)])
_WRITE_SCHEMA = pa.schema([*LAKE_SCHEMA, *PARTITION_SCHEMA])
_PARTITIONING = ds.HivePartitioning(PARTITION_SCHEMA, segment_encoding="none")
_PARQUET = ds.ParquetFileFormat()
# Dictionaries only where values repeat, and min/max statistics only where a reader can
# prune with them: for JSON text and unique ids they cost CPU and footer bytes for
# nothing (measured: 15% less CPU per hour, files 30% smaller). No Arrow schema in the
# footer either: Parquet's own types read back as LAKE_SCHEMA exactly (tested), and the
# files of an hour are ~15% smaller again.
# zstd on the text columns, where the bytes are. A cell file holds ~30 rows, so the
# timestamp, line number and (dictionary-encoded) source key are a few hundred bytes,
# and zstd sets up a fresh context for every column chunk it compresses: that setup was
# 7% of a day's CPU. Plain there: the writer uses 17% less CPU, files are 11% larger.
LAKE_COMPRESSION = {
    "event_id": "zstd",
    "attributes": "zstd",
    "meta": "zstd",
    "created_at": "none",
    "source_key": "none",
    "line_number": "none",
}
_LAKE_FILE_OPTIONS = _PARQUET.make_write_options(
    compression=LAKE_COMPRESSION,
    use_dictionary=["source_key"],
    write_statistics=["event_id", "created_at", "line_number"],
    store_schema=False,
)
# Files the writer keeps open. Closing early is slow (1,300 files: 0.74 s at 128 open,
# 0.40 s at 4,096, measured), so as many as half the process's descriptor limit allows:
# 4,096 here, 128 on a macOS laptop (256). Cells arrive one after another, so a file
# closed early is a finished cell.
MAX_OPEN_FILES = max(64, min(4096, resource.getrlimit(resource.RLIMIT_NOFILE)[0] // 2))
# A spilled (big) hour keeps fewer: every open file holds its writer's buffers (a 1M-event
# hour peaked at 743 MB with 4,096 open, 696 MB with 256, in the same time).
SPILLED_MAX_OPEN_FILES = min(256, MAX_OPEN_FILES)
MAX_CELLS_PER_BATCH = 1 << 30  # an hour that never spilled is one batch of all its cells
# The dataset writer hands every file's writes to pyarrow's IO pool (8 threads by default).
# More threads than cores starve the thread that prepares the next hour (on 2 cores a day
# took 22.0 s with 8 threads). One thread a core: since the hour's preparation got ~3x
# cheaper the writer is the slower stage, and 2 threads beat 1 by ~1.5 s a day here.
# Only for hours held in memory (see write_lake_files).
WRITER_IO_THREADS = max(2, min(8, os.cpu_count() or 2))

# What the quarantine needs of a dropped copy.
DUPLICATE_COLUMNS = ["raw", "source_key", "line_number", "event_id"]


@dataclass
class LakeWrite:
    rows: dict[tuple[str, int], int] = field(default_factory=dict)  # (event_type, epoch hour) -> rows written
    paths: dict[tuple[str, int], str] = field(default_factory=dict)  # the cell's written (temporary) file
    duplicates: list[pa.Table] = field(default_factory=list)  # DUPLICATE_COLUMNS of dropped copies


@contextmanager
def writer_io_threads(count: int = WRITER_IO_THREADS) -> Iterator[None]:
    """pyarrow's IO pool at ``count`` threads for the block, then as it was. The pool is
    process-wide: hold this around a run of lake writes, not around unrelated work."""
    previous = pa.io_thread_count()
    pa.set_io_thread_count(count)
    try:
        yield
    finally:
        pa.set_io_thread_count(previous)


def keep_mask(rows, dropped_seqs: np.ndarray) -> pa.Array:
    """Which rows go to the lake: those whose ``seq`` is not in ``dropped_seqs`` (sorted: the
    later copies of an id within the hour and the rows of ids the lake already holds). The
    lake files and the hour's id index both follow this one rule.

    A binary search per row: a hash set would be rebuilt for every chunk, and a big hour
    has ~100k of those."""
    seqs = rows.column("seq").to_numpy()
    if not len(dropped_seqs) or not len(seqs):
        return pa.array(np.ones(len(seqs), dtype=bool))
    found = np.minimum(np.searchsorted(dropped_seqs, seqs), len(dropped_seqs) - 1)
    return pa.array(dropped_seqs[found] != seqs)


def write_lake_files(
    cells: CellStore,
    dropped_seqs: np.ndarray,
    base_dir: Path | str,
    temp_name: str,
    max_open_files: int | None = None,
) -> LakeWrite:
    """Write the hour's ``cells`` under ``base_dir``: one zstd Parquet file per cell, in the
    cell's directory (layout.lake_cell_dir, relative to ``base_dir``), named ``temp_name`` +
    ``-0``. The dropped rows (copies of an id) come back for the quarantine.

    ``CellStore.chunks`` gives each cell's rows together, in seq order (one table for an
    hour held in memory, pieces for a spilled one): the writer then never reopens a cell,
    so each cell gets exactly one file.
    """
    result = LakeWrite()
    options = dict(
        format=_PARQUET,
        file_options=_LAKE_FILE_OPTIONS,
        partitioning=_PARTITIONING,
        basename_template=f"{temp_name}-{{i}}",
        existing_data_behavior="overwrite_or_ignore",
        preserve_order=True,  # rows of a cell stay in seq order
        max_partitions=MAX_CELLS_PER_BATCH,
    )
    options["max_open_files"] = max_open_files or (SPILLED_MAX_OPEN_FILES if cells.spilled else MAX_OPEN_FILES)
    pieces = (_lake_table(table, table_cells, dropped_seqs, result) for table, table_cells in cells.chunks())
    if not cells.spilled:
        # Nothing for the writer to pull from Python: it may run with a small IO pool. The
        # rows are already in cell order, so the writer's grouping runs on this thread
        # (use_threads=False): 10-15% less CPU than spreading it over the CPU pool.
        (lake,) = pieces
        with writer_io_threads():
            lake = lake if lake is not None else _WRITE_SCHEMA.empty_table()
            ds.write_dataset(lake, str(base_dir), use_threads=False, **options)
    else:
        # The writer pulls these pieces on one of pyarrow's IO threads, and reading a spill
        # file needs another one: here the pool keeps its size (at 1 thread it deadlocks).
        batches = (batch for lake in pieces if lake is not None for batch in lake.to_batches())
        ds.write_dataset(batches, str(base_dir), schema=_WRITE_SCHEMA, **options)
    # The writer opens a second file for a cell only after closing its first one, and it
    # closes files early only beyond max_open_files: with fewer cells, none is ever split.
    may_split = len(result.rows) > options["max_open_files"]
    for cell in result.rows:
        directory = f"{base_dir}/{lake_cell_dir(*cell)}"
        result.paths[cell] = f"{directory}/{temp_name}-0"
        # A second file would mean the writer reopened a cell: its rows would never be published.
        if may_split and os.path.exists(f"{directory}/{temp_name}-1"):
            raise RuntimeError(f"the lake writer split cell {cell} into several files under {directory}")
    return result


def _lake_table(table: pa.Table, cells: list, dropped_seqs: np.ndarray, result: LakeWrite) -> pa.Table | None:
    """The table's kept rows with their partition columns (None if none is kept); counts
    rows per cell and collects the copies into ``result``. ``cells``: the table's cells in
    row order, as (cell, first row, rows)."""
    starts = np.array([start for _, start, _ in cells], dtype=np.int64)
    rows = np.array([length for _, _, length in cells], dtype=np.int64)
    keep = keep_mask(table, dropped_seqs)
    if not pc.all(keep).as_py():
        result.duplicates.append(table.filter(pc.invert(keep)).select(DUPLICATE_COLUMNS))
        rows = np.add.reduceat(keep.to_numpy(zero_copy_only=False).astype(np.int64), starts)
        table = table.filter(keep)
    if table.num_rows == 0:
        return None
    for (cell, _, _), kept in zip(cells, rows.tolist(), strict=True):
        if kept:
            result.rows[cell] = result.rows.get(cell, 0) + kept
    lake = table.select(LAKE_SCHEMA.names)
    if lake.schema != LAKE_SCHEMA:
        lake = lake.cast(LAKE_SCHEMA)
    # The directory columns, one value per cell repeated over its rows (the rows are in
    # cell order): no per-row date formatting.
    epoch_hours = [cell[1] for cell, _, _ in cells]
    per_row = np.repeat(np.arange(len(cells)), rows)
    return (
        lake.append_column("event_type", table.column("event_type"))
        .append_column("event_date", _per_cell_values(epoch_hours, event_date, per_row))
        .append_column("event_hour", _per_cell_values(epoch_hours, event_hour, per_row))
    )


def _per_cell_values(epoch_hours: list[int], label, per_row: np.ndarray) -> pa.Array:
    """``label`` of each row's cell hour, dictionary-encoded over the distinct labels."""
    labels = [label(hour) for hour in epoch_hours]
    distinct = sorted(set(labels))
    position = {value: index for index, value in enumerate(distinct)}
    per_cell = pa.array([position[value] for value in labels], pa.int32())
    # take() allocates the indices in Arrow's memory: an array wrapping numpy memory must
    # take the GIL to be freed, and the writer frees it on its own threads (measured: a
    # spilled hour's writer threads waited on the GIL for ~15% of the publish).
    indices = pc.take(per_cell, pa.array(per_row))
    return pa.DictionaryArray.from_arrays(indices, pa.array(distinct, pa.string()))
