"""Write an arrival hour's lake files: one Parquet file per cell, minus the copies.

pyarrow's dataset writer partitions, encodes and creates the ~1,000 files of an hour in
one call (a spilled hour: one call per group of cells), in C++ on its own threads without
holding the GIL, so Python can prepare the next hour meanwhile. Files are written under hidden
temporary names; the caller moves each into place (a rename locally, an upload on S3), so
readers never see a partial file.
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
import pyarrow.parquet as pq

from platform_assets.events.layout import event_date, event_hour, lake_cell_dir
from platform_assets.events.spill import CellGroup, CellStore

LAKE_SCHEMA = pa.schema(
    [
        ("event_id", pa.string()),
        ("created_at", pa.timestamp("ms", tz="UTC")),
        ("attributes", pa.string()),
        ("meta", pa.string()),
        ("source_key", pa.string()),
        ("line_number", pa.int64()),
        # data.attributes.user_id if a string, else null; files written before it lack the
        # column and read as null (readers pass LAKE_SCHEMA or union_by_name).
        ("user_id", pa.string()),
    ]
)
# The cell directories, in the order of layout.lake_cell_dir; not stored in the files.
_LABEL = pa.dictionary(pa.int32(), pa.string())
PARTITION_SCHEMA = pa.schema(
    [("event_type", pa.string()), ("event_date", _LABEL), ("event_hour", _LABEL)]
)
_PARTITIONING = ds.HivePartitioning(PARTITION_SCHEMA, segment_encoding="none")
_PARQUET = ds.ParquetFileFormat()
# Dictionaries only where values repeat, statistics only where a reader can prune with them
# (created_at); no Arrow schema in the footer (Parquet's types read back as LAKE_SCHEMA,
# tested); zstd on every column because the storage contract says so, though it costs CPU
# on tiny cell files. The measured costs: docs/events.md, "Why the writer is set up so".
_LAKE_WRITER_OPTIONS = dict(
    compression="zstd",
    use_dictionary=["source_key"],
    write_statistics=["created_at"],
    store_schema=False,
)
_LAKE_FILE_OPTIONS = _PARQUET.make_write_options(**_LAKE_WRITER_OPTIONS)
# Files the writer keeps open: closing early is slow (it scans every cell's queue to pick
# one), so as many as half the descriptor limit allows. The cells of a call arrive one
# after another, so a file closed early is a finished cell.
MAX_OPEN_FILES = max(64, min(4096, resource.getrlimit(resource.RLIMIT_NOFILE)[0] // 2))
# A spilled (big) hour is written a group of at most this many cells per call: every open
# file holds its writer's buffers, and no call ever needs to close a file early.
SPILLED_MAX_OPEN_FILES = min(256, MAX_OPEN_FILES)
MAX_CELLS_PER_BATCH = 1 << 30  # an hour that never spilled is one batch of all its cells
# The dataset writer's IO pool: one thread a core. More threads than cores starve the
# thread that prepares the next hour; the writer is the slower stage, so fewer waste it.
WRITER_IO_THREADS = max(2, min(8, os.cpu_count() or 2))

# What the quarantine needs of a dropped copy.
DUPLICATE_COLUMNS = ["raw", "source_key", "line_number", "event_id"]


@dataclass
class LakeWrite:
    rows: dict[tuple[str, int], int] = field(
        default_factory=dict
    )  # (event_type, epoch hour) -> rows written
    paths: dict[tuple[str, int], str] = field(
        default_factory=dict
    )  # the cell's written (temporary) file
    duplicates: list[pa.Table] = field(default_factory=list)  # DUPLICATE_COLUMNS of dropped copies
    rollup: object | None = None  # a rollups.RollupBuilder: sees every group of kept rows


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
    max_open_files: int = MAX_OPEN_FILES,
    rollup=None,
) -> LakeWrite:
    """Write the hour's ``cells`` under ``base_dir``: one zstd Parquet file per cell, in the
    cell's directory (layout.lake_cell_dir, relative to ``base_dir``), named ``temp_name`` +
    ``-0``. The dropped rows (copies of an id) come back for the quarantine.

    An hour held in memory is one call of the dataset writer; a spilled hour one call per
    group of cells (``CellStore.groups``: at most SPILLED_MAX_OPEN_FILES cells and half the
    store's memory bound of rows each), and a cell bigger than that bound streams into its own
    file. Within a call every cell's rows arrive together and no file is closed before the
    end, so each cell gets exactly one file.
    """
    result = LakeWrite(rollup=rollup)
    options = dict(
        format=_PARQUET,
        file_options=_LAKE_FILE_OPTIONS,
        partitioning=_PARTITIONING,
        basename_template=f"{temp_name}-{{i}}",
        existing_data_behavior="overwrite_or_ignore",
        preserve_order=True,  # rows of a cell stay in seq order
        max_partitions=MAX_CELLS_PER_BATCH,
        max_open_files=max_open_files,
        # The rows are already in cell order: grouping on this thread is cheaper than
        # spreading it over the CPU pool.
        use_threads=False,
    )
    may_split = False
    group_cells = min(max_open_files, SPILLED_MAX_OPEN_FILES)  # for a spilled hour's groups
    with writer_io_threads():
        for group in cells.groups(max_rows=cells.group_rows(), max_cells=group_cells):
            if group.table is None:
                _write_one_cell(group, dropped_seqs, base_dir, temp_name, result)
                continue
            lake = _lake_table(group.table, group.cells, dropped_seqs, result)
            if lake is not None:
                ds.write_dataset(lake, str(base_dir), **options)
                # Beyond max_open_files the writer closes files early, and may reopen one.
                may_split = may_split or len(group.cells) > max_open_files
    for cell in result.rows:
        directory = f"{base_dir}/{lake_cell_dir(*cell)}"
        result.paths[cell] = f"{directory}/{temp_name}-0"
        # A second file would mean the writer reopened a cell: its rows would never be published.
        if may_split and os.path.exists(f"{directory}/{temp_name}-1"):
            raise RuntimeError(
                f"the lake writer split cell {cell} into several files under {directory}"
            )
    return result


def _kept(
    table: pa.Table, cells: list, dropped_seqs: np.ndarray, result: LakeWrite
) -> tuple[pa.Table, np.ndarray]:
    """The table's rows that go to the lake and how many of each cell's; counts them in
    ``result`` and collects the copies there. ``cells``: (cell, first row, rows) in order."""
    rows = np.array([length for _, _, length in cells], dtype=np.int64)
    keep = keep_mask(table, dropped_seqs)
    if not pc.all(keep).as_py():
        result.duplicates.append(table.filter(pc.invert(keep)).select(DUPLICATE_COLUMNS))
        starts = np.array([start for _, start, _ in cells], dtype=np.int64)
        rows = np.add.reduceat(keep.to_numpy(zero_copy_only=False).astype(np.int64), starts)
        table = table.filter(keep)
    if result.rollup is not None:
        result.rollup.add(table)
    for (cell, _, _), kept in zip(cells, rows.tolist(), strict=True):
        if kept:
            result.rows[cell] = result.rows.get(cell, 0) + kept
    return table, rows


def _lake_columns(table: pa.Table) -> pa.Table:
    lake = table.select(LAKE_SCHEMA.names)
    return lake if lake.schema == LAKE_SCHEMA else lake.cast(LAKE_SCHEMA)


def _lake_table(
    table: pa.Table, cells: list, dropped_seqs: np.ndarray, result: LakeWrite
) -> pa.Table | None:
    """The table's kept rows with their partition columns (None if none is kept)."""
    table, rows = _kept(table, cells, dropped_seqs, result)
    if table.num_rows == 0:
        return None
    # The directory columns, one value per cell repeated over its rows (the rows are in
    # cell order): no per-row date formatting.
    epoch_hours = [cell[1] for cell, _, _ in cells]
    per_row = np.repeat(np.arange(len(cells)), rows)
    return (
        _lake_columns(table)
        .append_column("event_type", table.column("event_type"))
        .append_column("event_date", _per_cell_values(epoch_hours, event_date, per_row))
        .append_column("event_hour", _per_cell_values(epoch_hours, event_hour, per_row))
    )


def _write_one_cell(
    group: CellGroup, dropped_seqs: np.ndarray, base_dir, temp_name: str, result: LakeWrite
) -> None:
    """A cell too big to hold at once: its pieces, in seq order, into its one file."""
    ((cell, _, _),) = group.cells
    directory = f"{base_dir}/{lake_cell_dir(*cell)}"
    os.makedirs(directory, exist_ok=True)
    with pq.ParquetWriter(
        f"{directory}/{temp_name}-0", LAKE_SCHEMA, **_LAKE_WRITER_OPTIONS
    ) as writer:
        for piece in group.pieces:
            kept, _ = _kept(piece, [(cell, 0, piece.num_rows)], dropped_seqs, result)
            if kept.num_rows:
                writer.write_table(_lake_columns(kept))


def _per_cell_values(epoch_hours: list[int], label, per_row: np.ndarray) -> pa.Array:
    """``label`` of each row's cell hour, dictionary-encoded over the distinct labels."""
    labels = [label(hour) for hour in epoch_hours]
    distinct = sorted(set(labels))
    position = {value: index for index, value in enumerate(distinct)}
    per_cell = pa.array([position[value] for value in labels], pa.int32())
    # take() allocates the indices in Arrow's memory: an array wrapping numpy memory must
    # take the GIL to be freed, and the writer frees it on its own threads.
    indices = pc.take(per_cell, pa.array(per_row))
    return pa.DictionaryArray.from_arrays(indices, pa.array(distinct, pa.string()))
