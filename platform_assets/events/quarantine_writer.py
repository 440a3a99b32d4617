"""Stream rejected event lines into the hour's quarantine Parquet file."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from platform_assets.events.validate import DUPLICATE_ID, Rejection

QUARANTINE_SCHEMA = pa.schema(
    [
        ("raw", pa.string()),
        ("reason", pa.string()),
        ("reasons", pa.list_(pa.string())),
        ("source_key", pa.string()),
        ("line_number", pa.int64()),
        ("event_id", pa.string()),
    ]
)


class QuarantineWriter:
    def __init__(self, path: Path):
        self.path = path
        self.rows = 0
        self._writer: pq.ParquetWriter | None = None

    def write(self, rejections: list[Rejection]) -> None:
        if not rejections:
            return
        self.write_table(
            pa.table(
                {
                    "raw": [r.raw for r in rejections],
                    "reason": [";".join(r.reasons) for r in rejections],
                    "reasons": [r.reasons for r in rejections],
                    "source_key": [r.source_key for r in rejections],
                    "line_number": [r.line_number for r in rejections],
                    "event_id": [r.event_id for r in rejections],
                },
                schema=QUARANTINE_SCHEMA,
            )
        )

    def write_duplicates(self, copies: pa.Table) -> None:
        """Rows (raw, source_key, line_number, event_id) rejected as later copies of an id."""
        rows = copies.num_rows
        self.write_table(
            pa.table(
                {
                    "raw": copies.column("raw"),
                    "reason": pa.array([DUPLICATE_ID] * rows, pa.string()),
                    "reasons": pa.array([[DUPLICATE_ID]] * rows, pa.list_(pa.string())),
                    "source_key": copies.column("source_key"),
                    "line_number": copies.column("line_number"),
                    "event_id": copies.column("event_id"),
                },
                schema=QUARANTINE_SCHEMA,
            )
        )

    def write_table(self, table: pa.Table) -> None:
        if not table.num_rows:
            return
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.path, QUARANTINE_SCHEMA, compression="zstd")
        self._writer.write_table(table)
        self.rows += table.num_rows

    def close(self) -> bool:
        if self._writer is not None:
            self._writer.close()
        return self._writer is not None
