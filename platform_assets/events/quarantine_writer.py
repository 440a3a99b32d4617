"""Stream rejected event lines into the hour's quarantine Parquet file."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from platform_assets.events.envelope import Rejection

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
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.path, QUARANTINE_SCHEMA, compression="zstd")
        table = pa.table(
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
        self._writer.write_table(table)
        self.rows += len(rejections)

    def close(self) -> bool:
        if self._writer is not None:
            self._writer.close()
        return self._writer is not None
