"""Rejected person rows as one Parquet file per landing file, under quarantine/persons/."""

from __future__ import annotations

import io
import json

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

QUARANTINE_PREFIX = "quarantine/persons"

QUARANTINE_SCHEMA = pa.schema(
    [
        pa.field("source_key", pa.string(), nullable=False),
        pa.field("line", pa.int64(), nullable=False),
        pa.field("reasons", pa.list_(pa.string()), nullable=False),
        # The row exactly as read (every column of the file, extras included), as JSON.
        pa.field("raw_record", pa.string(), nullable=False),
    ]
)


def quarantine_key(partition: str) -> str:
    """One file per partition: re-running a file overwrites its own quarantine, nothing else."""
    return f"{QUARANTINE_PREFIX}/{partition}/rejected_rows.parquet"


def quarantine_table(raw: pd.DataFrame, rejected: pd.DataFrame, source_key: str) -> pa.Table:
    """Join rejected ``line``/``reasons`` back to the raw rows of ``raw`` (read_person_csv)."""
    raw_columns = [c for c in raw.columns if c != "line"]
    rows = raw.set_index("line").loc[rejected["line"], raw_columns]
    records = [json.dumps(row, ensure_ascii=False) for row in rows.to_dict("records")]
    return pa.table(
        {
            "source_key": [source_key] * len(rejected),
            "line": rejected["line"].astype("int64").tolist(),
            "reasons": [list(r) for r in rejected["reasons"]],
            "raw_record": records,
        },
        schema=QUARANTINE_SCHEMA,
    )


def whole_file_rejection(raw: pd.DataFrame, reason: str) -> pd.DataFrame:
    """Every row of a file rejected for one file-level reason (e.g. missing_column:email)."""
    return pd.DataFrame({"line": raw["line"].astype("int64"), "reasons": [[reason]] * len(raw)})


def parquet_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue()
