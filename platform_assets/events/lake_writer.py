"""Write one lake cell's Parquet file from its spilled rows, minus duplicates. Pure I/O on a path."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from platform_assets.events.envelope import DUPLICATE_ID, Rejection

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


@dataclass
class CellResult:
    rows: int = 0
    bytes: int = 0
    duplicates: list[Rejection] = field(default_factory=list)


def _rejections(dropped: pa.RecordBatch) -> list[Rejection]:
    return [
        Rejection(raw=raw, reasons=[DUPLICATE_ID], source_key=src, line_number=line, event_id=eid)
        for raw, src, line, eid in zip(
            dropped.column("raw").to_pylist(),
            dropped.column("source_key").to_pylist(),
            dropped.column("line_number").to_pylist(),
            dropped.column("event_id").to_pylist(),
        )
    ]


def keep_mask(rows, later_copies: set[int], published: set[str]) -> list[bool]:
    """Which rows (with ``seq`` and ``event_id``) go to the lake: not a later copy of an id
    within the hour, and not an id the lake already holds. The lake files and the hour's
    id index both follow this one rule."""
    return [
        seq not in later_copies and event_id not in published
        for seq, event_id in zip(rows.column("seq").to_pylist(), rows.column("event_id").to_pylist())
    ]


def write_cell(
    batches: Iterable[pa.RecordBatch], later_copies: set[int], published: set[str], path: Path
) -> CellResult:
    """Stream a cell's rows to ``path`` (zstd Parquet), skipping later copies of an id within
    the hour (by seq) and ids the lake already holds; those come back as rejections."""
    result = CellResult()
    writer: pq.ParquetWriter | None = None
    try:
        for batch in batches:
            keep = keep_mask(batch, later_copies, published)
            if not all(keep):
                mask = pa.array(keep, pa.bool_())
                result.duplicates.extend(_rejections(batch.filter(pc.invert(mask))))
                batch = batch.filter(mask)
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
