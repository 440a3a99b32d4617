"""Rejected rows of a CSV-like file, the same way in every domain that reads one.

A validation gives back the rows that passed and, per rejected row, its line and every reason;
the quarantine file joins those back to the row as read (JSON text, extra columns included) so
nothing is lost. Pure: pandas and pyarrow only, no Dagster.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq


@dataclass(frozen=True)
class RowValidation:
    """``valid``: the rows that passed. ``rejected``: ``line`` and ``reasons`` (a list of codes)
    per quarantined row."""

    valid: pd.DataFrame
    rejected: pd.DataFrame

    @property
    def reason_counts(self) -> dict[str, int]:
        return dict(sorted(Counter(r for rs in self.rejected["reasons"] for r in rs).items()))


def rejected_rows_schema(origin_column: str) -> pa.Schema:
    """Quarantine columns; ``origin_column`` names where the rows came from (source_key, ...)."""
    return pa.schema(
        [
            pa.field(origin_column, pa.string(), nullable=False),
            pa.field("line", pa.int64(), nullable=False),
            pa.field("reasons", pa.list_(pa.string()), nullable=False),
            # The row exactly as read (every column of the file, extras included), as JSON.
            pa.field("raw_record", pa.string(), nullable=False),
        ]
    )


def rejected_rows_table(
    raw: pd.DataFrame, rejected: pd.DataFrame, origin_column: str, origin: str
) -> pa.Table:
    """Join rejected ``line``/``reasons`` back to the rows of ``raw`` (which has a ``line``
    column)."""
    raw_columns = [c for c in raw.columns if c != "line"]
    rows = raw.set_index("line").loc[rejected["line"], raw_columns]
    records = [json.dumps(row, ensure_ascii=False) for row in rows.to_dict("records")]
    return pa.table(
        {
            origin_column: [origin] * len(rejected),
            "line": rejected["line"].astype("int64").tolist(),
            "reasons": [list(r) for r in rejected["reasons"]],
            "raw_record": records,
        },
        schema=rejected_rows_schema(origin_column),
    )


def whole_file_rejection(raw: pd.DataFrame, reason: str) -> pd.DataFrame:
    """Every row of a file rejected for one file-level reason (e.g. missing_column:email)."""
    return pd.DataFrame({"line": raw["line"].astype("int64"), "reasons": [[reason]] * len(raw)})


def parquet_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue()
