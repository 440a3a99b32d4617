"""The catalog's own tables, next to its views, in schema ``sluice``.

- ``sluice.tables``: every view, its kind (events, event_type, customers, quarantine), what it
  reads (event type or folder), files at build time, and its columns with their types;
- ``sluice.build``: the storage root the views read, when, and what was skipped;
- ``sluice.file_structures``: each lake file's attribute structure (infer.py's cache).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

FILE_STRUCTURES = pa.schema(
    [
        ("key", pa.string()),
        ("size", pa.int64()),
        ("event_type", pa.string()),
        ("structure", pa.string()),
    ]
)


@dataclass(frozen=True)
class TableInfo:
    name: str
    kind: str  # events | event_type | customers | quarantine
    source: str  # the event type, or the dataset's folder
    files: int
    columns: list[tuple[str, str]]


@dataclass
class CatalogBuild:
    path: Path
    storage_url: str
    tables: list[TableInfo] = field(default_factory=list)
    event_types: int = 0
    lake_files: int = 0
    inferred_files: int = 0
    skipped: list[str] = field(default_factory=list)
    seconds: float = 0.0


def view_columns(con) -> dict[str, list[tuple[str, str]]]:
    """View name -> [(column, DuckDB type)] as DuckDB bound them."""
    out: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in con.execute(
        "SELECT table_name, column_name, data_type FROM duckdb_columns() "
        "WHERE database_name = current_database() AND schema_name = 'main' "
        "ORDER BY table_name, column_index"
    ).fetchall():
        out.setdefault(table, []).append((column, data_type))
    return out


def write_records(con, build: CatalogBuild, file_rows: list[tuple], catalog_format: int) -> None:
    con.execute("CREATE SCHEMA sluice")
    con.execute(
        "CREATE TABLE sluice.file_structures "
        "(key VARCHAR PRIMARY KEY, size BIGINT, event_type VARCHAR, structure VARCHAR)"
    )
    # Through Arrow: executemany inserts row by row (seconds for a few thousand files).
    columns = list(zip(*file_rows)) if file_rows else [[] for _ in FILE_STRUCTURES]
    con.register("file_rows", pa.table(columns, schema=FILE_STRUCTURES))
    con.execute("INSERT INTO sluice.file_structures SELECT * FROM file_rows")
    con.unregister("file_rows")

    con.execute(
        "CREATE TABLE sluice.tables (table_name VARCHAR PRIMARY KEY, kind VARCHAR, source VARCHAR, "
        "files_at_build BIGINT, columns STRUCT(name VARCHAR, type VARCHAR)[])"
    )
    for table in build.tables:
        columns = [{"name": name, "type": kind} for name, kind in table.columns]
        con.execute(
            "INSERT INTO sluice.tables VALUES (?, ?, ?, ?, ?)",
            [table.name, table.kind, table.source, table.files, columns],
        )
    con.execute(
        "CREATE TABLE sluice.build (catalog_format INTEGER, storage_url VARCHAR, "
        "built_at TIMESTAMPTZ, event_types INTEGER, lake_files BIGINT, skipped VARCHAR[])"
    )
    con.execute(
        "INSERT INTO sluice.build VALUES (?, ?, ?, ?, ?, ?)",
        [
            catalog_format,
            build.storage_url,
            datetime.now(UTC),
            build.event_types,
            build.lake_files,
            build.skipped,
        ],
    )
