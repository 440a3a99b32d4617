"""Rejected customer rows as one Parquet file per landing file, under quarantine/customers/."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pyarrow as pa

from platform_assets.customers.read_csv import CustomerFile
from platform_assets.customers.validate import Rejection
from platform_assets.rejected_rows import parquet_bytes

__all__ = ["QUARANTINE_SCHEMA", "parquet_bytes", "quarantine_table", "whole_file_rejections"]

QUARANTINE_SCHEMA = pa.schema(
    [
        pa.field("source_key", pa.string(), nullable=False),
        pa.field("line", pa.int64(), nullable=False),
        pa.field("reasons", pa.list_(pa.string()), nullable=False),
        # The row exactly as read (every column, extras included; a ragged row's surplus
        # values under "_extra"), as JSON.
        pa.field("raw_record", pa.string(), nullable=False),
    ]
)


def quarantine_table(rejected: Sequence[Rejection], source_key: str) -> pa.Table:
    return pa.table(
        {
            "source_key": [source_key] * len(rejected),
            "line": [r.line for r in rejected],
            "reasons": [list(r.reasons) for r in rejected],
            "raw_record": [json.dumps(r.record, ensure_ascii=False) for r in rejected],
        },
        schema=QUARANTINE_SCHEMA,
    )


def whole_file_rejections(parsed: CustomerFile, reason: str) -> list[Rejection]:
    """Every row of a file rejected for one file-level reason (e.g. missing_column:email)."""
    return [Rejection(row.line, (reason,), parsed.record(row)) for row in parsed.rows]


