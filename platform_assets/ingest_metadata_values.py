"""The Dagster side of the metadata vocabulary (ingest_metadata.py): typed metadata values for
a run's summary, and column schemas (``dagster/column_schema``) for the UI's Columns tab."""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa
from dagster import MetadataValue, TableColumn, TableSchema

from platform_assets.ingest_metadata import (
    BYTES_WRITTEN,
    DURATION_SECONDS,
    QUARANTINED_BY_REASON,
    RECORDS_PER_SECOND,
    STORAGE_LOCATION,
    IngestSummary,
)

COLUMN_SCHEMA = "dagster/column_schema"


def ingest_metadata(
    summary: IngestSummary, *, row_count: int, location: str, bytes_written: int
) -> dict[str, object]:
    """The vocabulary's keys for one asset of the run, as Dagster metadata."""
    plain = summary.for_asset(row_count, location, bytes_written)
    values: dict[str, object] = {key: MetadataValue.int(value) for key, value in plain.items()
                                 if isinstance(value, int)}  # fmt: skip
    values[QUARANTINED_BY_REASON] = MetadataValue.json(plain[QUARANTINED_BY_REASON])
    values[STORAGE_LOCATION] = MetadataValue.text(plain[STORAGE_LOCATION])
    values[BYTES_WRITTEN] = MetadataValue.int(plain[BYTES_WRITTEN])
    values[DURATION_SECONDS] = MetadataValue.float(plain[DURATION_SECONDS])
    values[RECORDS_PER_SECOND] = MetadataValue.float(plain[RECORDS_PER_SECOND])
    return dict(sorted(values.items()))


def column_schema(columns: Sequence[tuple[str, str]] | pa.Schema) -> dict[str, TableSchema]:
    """Definition metadata for a table-like asset: ``(name, type)`` pairs or an Arrow schema."""
    if isinstance(columns, pa.Schema):
        columns = [(f.name, str(f.type)) for f in columns]
    return {COLUMN_SCHEMA: TableSchema(columns=[TableColumn(name, kind) for name, kind in columns])}
