"""Rejected Iris rows as one Parquet file per pulled dataset: quarantine/iris/<sha256>.parquet."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from platform_assets.rejected_rows import parquet_bytes, rejected_rows_table, whole_file_rejection

__all__ = ["parquet_bytes", "quarantine_key", "quarantine_table", "whole_file_rejection"]

QUARANTINE_PREFIX = "quarantine/iris"


def quarantine_key(sha256: str) -> str:
    """Named by the dataset's hash: re-pulling the same bytes rewrites the same file."""
    return f"{QUARANTINE_PREFIX}/{sha256}.parquet"


def quarantine_table(raw: pd.DataFrame, rejected: pd.DataFrame, dataset_sha256: str) -> pa.Table:
    """Rejected rows of ``raw`` (read_iris_csv's frame), tagged with the dataset's hash."""
    return rejected_rows_table(raw, rejected, "dataset_sha256", dataset_sha256)
