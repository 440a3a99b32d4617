"""Rejected Iris rows as one Parquet file per pulled dataset: quarantine/iris/<sha256>.parquet."""

from __future__ import annotations

import io
import json

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

QUARANTINE_PREFIX = "quarantine/iris"

QUARANTINE_SCHEMA = pa.schema(
    [
        pa.field("dataset_sha256", pa.string(), nullable=False),
        pa.field("line", pa.int64(), nullable=False),
        pa.field("reasons", pa.list_(pa.string()), nullable=False),
        # The row's text exactly as read (canonical column names, extra columns included), as JSON.
        pa.field("raw_record", pa.string(), nullable=False),
    ]
)


def quarantine_key(sha256: str) -> str:
    """Named by the dataset's hash: re-pulling the same bytes rewrites the same file."""
    return f"{QUARANTINE_PREFIX}/{sha256}.parquet"


def quarantine_table(raw: pd.DataFrame, rejected: pd.DataFrame, dataset_sha256: str) -> pa.Table:
    """Join rejected ``line``/``reasons`` back to the raw rows (read_iris_csv's frame)."""
    columns = [c for c in raw.columns if c != "line"]
    rows = raw.set_index("line").loc[rejected["line"], columns]
    records = [json.dumps(row, ensure_ascii=False) for row in rows.to_dict("records")]
    return pa.table(
        {
            "dataset_sha256": [dataset_sha256] * len(rejected),
            "line": rejected["line"].astype("int64").tolist(),
            "reasons": [list(r) for r in rejected["reasons"]],
            "raw_record": records,
        },
        schema=QUARANTINE_SCHEMA,
    )


def whole_file_rejection(raw: pd.DataFrame, reason: str) -> pd.DataFrame:
    """Every row of a file rejected for one file-level reason (e.g. missing_column:species)."""
    return pd.DataFrame({"line": raw["line"].astype("int64"), "reasons": [[reason]] * len(raw)})


def parquet_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue()
