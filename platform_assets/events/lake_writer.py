"""Write one lake cell's Parquet file from its spilled rows, minus duplicates. Pure I/O on a path."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

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


def id_array(ids: Iterable[str]) -> pa.Array:
    return pa.array(sorted(ids), pa.string())


def keep_mask(rows, later_copies: pa.Array, published: pa.Array) -> pa.Array:
    """Which rows (with ``seq`` and ``event_id``) go to the lake: not a later copy of an id
    within the hour, and not an id the lake already holds. The lake files and the hour's
    id index both follow this one rule."""
    copy = pc.is_in(rows.column("seq"), value_set=later_copies)
    held = pc.is_in(rows.column("event_id"), value_set=published)
    return pc.invert(pc.or_(copy, held))


def write_cell(batches: Iterable[pa.RecordBatch], later_copies: pa.Array, published: pa.Array, path: Path) -> CellResult:
    """Stream a cell's rows to ``path`` (zstd Parquet), skipping later copies of an id within
    the hour (by seq) and ids the lake already holds; those come back as rejections."""
    result = CellResult()
    writer: pq.ParquetWriter | None = None
    try:
        for batch in batches:
            keep = keep_mask(batch, later_copies, published)
            if not pc.all(keep).as_py():
                result.duplicates.append(pa.Table.from_batches([batch.filter(pc.invert(keep))]).select(DUPLICATE_COLUMNS))
                batch = batch.filter(keep)
            if batch.num_rows == 0:
                continue
            table = pa.Table.from_batches([batch]).select(LAKE_SCHEMA.names).cast(LAKE_SCHEMA)
            if writer is None:
                writer = pq.ParquetWriter(path, LAKE_SCHEMA, compression="zstd")
            writer.write_table(table)
            result.rows += table.num_rows
    finally:
        if writer is not None:
            writer.close()
    if result.rows:
        result.bytes = path.stat().st_size
    return result
