"""Rejected person rows as one Parquet file per landing file, under quarantine/persons/."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from platform_assets.rejected_rows import parquet_bytes, rejected_rows_table, whole_file_rejection

__all__ = ["parquet_bytes", "quarantine_key", "quarantine_table", "whole_file_rejection"]

QUARANTINE_PREFIX = "quarantine/persons"


def quarantine_key(partition: str) -> str:
    """One file per partition: re-running a file overwrites its own quarantine, nothing else."""
    return f"{QUARANTINE_PREFIX}/{partition}/rejected_rows.parquet"


def quarantine_table(raw: pd.DataFrame, rejected: pd.DataFrame, source_key: str) -> pa.Table:
    """Rejected rows of ``raw`` (read_person_csv's frame), tagged with their landing key."""
    return rejected_rows_table(raw, rejected, "source_key", source_key)
