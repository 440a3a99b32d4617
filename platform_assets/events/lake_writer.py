"""Write one lake cell's Parquet file from its spilled rows, minus duplicates. Pure I/O on a path."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

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
# What the quarantine needs of a dropped copy.
DUPLICATE_COLUMNS = ["raw", "source_key", "line_number", "event_id"]


@dataclass
class CellResult:
    rows: int = 0
    bytes: int = 0
    duplicates: list[pa.Table] = field(default_factory=list)  # DUPLICATE_COLUMNS of dropped copies


def keep_mask(rows, dropped_seqs: np.ndarray) -> pa.Array:
    """Which rows go to the lake: those whose ``seq`` is not in ``dropped_seqs`` (sorted: the
    later copies of an id within the hour and the rows of ids the lake already holds). The
    lake files and the hour's id index both follow this one rule.

    A binary search per row: a hash set would be rebuilt for every batch of every cell, and
    a big hour has ~100k of those."""
    seqs = rows.column("seq").to_numpy()
    if not len(dropped_seqs) or not len(seqs):
        return pa.array(np.ones(len(seqs), dtype=bool))
    found = np.minimum(np.searchsorted(dropped_seqs, seqs), len(dropped_seqs) - 1)
    return pa.array(dropped_seqs[found] != seqs)


def write_cell(batches: Iterable[pa.RecordBatch], dropped_seqs: np.ndarray, path: Path) -> CellResult:
    """Stream a cell's rows to ``path`` (zstd Parquet), skipping the dropped rows (copies of
    an id); those come back for the quarantine."""
    result = CellResult()
    writer: pq.ParquetWriter | None = None
    sink: pa.NativeFile | None = None
    try:
        for batch in batches:
            keep = keep_mask(batch, dropped_seqs)
            if not pc.all(keep).as_py():
                result.duplicates.append(pa.Table.from_batches([batch.filter(pc.invert(keep))]).select(DUPLICATE_COLUMNS))
                batch = batch.filter(keep)
            if batch.num_rows == 0:
                continue
            table = pa.Table.from_batches([batch]).select(LAKE_SCHEMA.names)
            if table.schema != LAKE_SCHEMA:
                table = table.cast(LAKE_SCHEMA)
            if writer is None:
                # An open file, not a path: pyarrow would resolve a filesystem for every cell.
                # Buffered: the writer emits each page header and chunk on its own, ~60 write
                # calls for a small file; the buffer makes them about one.
                sink = pa.BufferedOutputStream(pa.OSFile(str(path), "wb"), buffer_size=1 << 20)
                writer = pq.ParquetWriter(sink, LAKE_SCHEMA, compression="zstd")
            writer.write_table(table)
            result.rows += table.num_rows
    finally:
        if writer is not None:
            writer.close()
        if sink is not None:
            sink.close()
    if result.rows:
        result.bytes = path.stat().st_size
    return result
