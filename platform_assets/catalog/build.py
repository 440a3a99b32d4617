"""Build the catalog: discover datasets, infer event types' attributes, write the views.

The new catalog is written to a hidden file next to the old one and renamed over it, so a
reader (the query CLI, a notebook) sees the old catalog or the new one, never half of one.
Each lake file's attribute structure is kept in ``sluice.file_structures``; the next build
reads only files it has not seen (by key and size), so a refresh after an hourly ingest
reads that hour's files, not the whole lake.
"""

from __future__ import annotations

import json
import logging
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import reduce
from pathlib import Path

import duckdb
import pyarrow as pa

from platform_assets.catalog.connection import connect, quote_identifier, sql_literal
from platform_assets.catalog.discover import LAKE_PREFIX, FileDataset, Inventory, discover
from platform_assets.catalog.naming import attribute_columns, view_names
from platform_assets.catalog.structure import column_type, merge, top_level
from platform_assets.catalog.views import (
    TYPE_VIEW_LEADING,
    TYPE_VIEW_TRAILING,
    dataset_view,
    event_type_view,
    events_view,
)
from resources.storage import StorageResource, StoredObject

CATALOG_FORMAT = 1
INFER_BATCH_FILES = 500
EVENTS_VIEW = "events"
CUSTOMERS_VIEW = "customers"

log = logging.getLogger(__name__)


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


def cached_structures(path: Path) -> dict[str, tuple[int, str]]:
    """key -> (size, structure) from an earlier catalog; empty when there is none to trust."""
    if not path.exists():
        return {}
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            version = con.execute("SELECT catalog_format FROM sluice.build").fetchone()
            if not version or version[0] != CATALOG_FORMAT:
                return {}
            rows = con.execute("SELECT key, size, structure FROM sluice.file_structures").fetchall()
    except duckdb.Error as err:
        log.warning("ignoring the structures cached in %s (%s); inferring every file", path, err)
        return {}
    return {key: (size, structure) for key, size, structure in rows}


def _infer_batch(con, uris: list[str]) -> dict[str, str]:
    rows = con.execute(
        "SELECT filename, json_group_structure(CAST(attributes AS JSON)) "
        "FROM read_parquet(?, filename = true) GROUP BY filename",
        [uris],
    ).fetchall()
    return dict(rows)


def infer_structures(con, storage: StorageResource, files: list[StoredObject]) -> dict[str, str]:
    """key -> json_group_structure of the file's attributes, reading only the given files.

    A file that disappears meanwhile (an hour being re-ingested replaces its files) is left
    out; any other read failure names the file.
    """
    out: dict[str, str] = {}
    for start in range(0, len(files), INFER_BATCH_FILES):
        chunk = {storage.uri(f.key): f.key for f in files[start : start + INFER_BATCH_FILES]}
        try:
            found = _infer_batch(con, list(chunk))
        except duckdb.Error:
            found = {}
            for uri, key in chunk.items():
                try:
                    found.update(_infer_batch(con, [uri]))
                except duckdb.Error as err:
                    if storage.exists(key):
                        raise RuntimeError(f"cannot read lake file {uri}: {err}") from err
                    log.info("lake file %s disappeared during the build; skipped", key)
                    found[uri] = None
        for uri, key in chunk.items():
            structure = found.get(uri, "{}")  # a file without rows adds no keys
            if structure is not None:
                out[key] = structure
    return out


def type_structure(structures: list[str]) -> dict:
    """The json_transform spec of one event type from its files' structures."""
    parsed = [top_level(json.loads(text)) for text in set(structures)]
    merged = reduce(merge, sorted(parsed, key=lambda s: json.dumps(s, sort_keys=True)), {})
    return column_type(merged) if merged else {}


class _Writer:
    """Creates views in the new catalog, remembering what it made and what it could not."""

    def __init__(self, con, result: CatalogBuild, on_skip: Callable[[str], None]):
        self.con = con
        self.result = result
        self.on_skip = on_skip
        self.made: list[tuple[str, str, str, int]] = []

    def view(self, name: str, sql: str, kind: str, source: str, files: int, comment: str) -> None:
        try:
            self.con.execute(sql)
            self.con.execute(f"COMMENT ON VIEW {quote_identifier(name)} IS {sql_literal(comment)}")
        except duckdb.Error as err:
            # One unreadable dataset must not cost the whole catalog: skip it, say so.
            message = f"view {name} ({source}) skipped: {err}"
            self.result.skipped.append(message)
            self.on_skip(message)
            return
        self.made.append((name, kind, source, files))


def _event_views(
    writer: _Writer, storage: StorageResource, inventory: Inventory, structures: dict
) -> None:
    lake_uri = storage.uri(LAKE_PREFIX.rstrip("/"))
    writer.view(
        EVENTS_VIEW,
        events_view(EVENTS_VIEW, lake_uri),
        "events",
        LAKE_PREFIX,
        inventory.lake_files,
        "Every valid event in the lake; attributes and meta as JSON.",
    )
    names = view_names("events", list(inventory.event_files))
    reserved = TYPE_VIEW_LEADING + TYPE_VIEW_TRAILING
    for event_type, files in inventory.event_files.items():
        transform = type_structure([structures[f.key] for f in files if f.key in structures])
        columns = attribute_columns(list(transform), reserved)
        sql = event_type_view(names[event_type], lake_uri, event_type, transform, columns)
        writer.view(
            names[event_type],
            sql,
            "event_type",
            event_type,
            len(files),
            f"Events of type {event_type}, attributes as typed columns.",
        )


def _dataset_view(
    writer: _Writer, storage: StorageResource, name: str, kind: str, dataset: FileDataset
) -> None:
    sql = dataset_view(name, dataset, storage.uri(dataset.prefix.rstrip("/")))
    writer.view(
        name,
        sql,
        kind,
        dataset.prefix,
        len(dataset.files),
        f"{dataset.format} files under {dataset.prefix}",
    )


def _bookkeeping(con, inventory: Inventory, structures: dict) -> None:
    con.execute("CREATE SCHEMA sluice")
    con.execute(
        "CREATE TABLE sluice.file_structures (key VARCHAR PRIMARY KEY, size BIGINT, event_type VARCHAR, structure VARCHAR)"
    )
    rows = [
        (f.key, f.size, event_type, structures[f.key])
        for event_type, files in inventory.event_files.items()
        for f in files
        if f.key in structures
    ]
    # Through Arrow: executemany inserts row by row (seconds for a few thousand files).
    file_rows = pa.table(
        list(zip(*rows)) if rows else [[], [], [], []],
        schema=pa.schema(
            [
                ("key", pa.string()),
                ("size", pa.int64()),
                ("event_type", pa.string()),
                ("structure", pa.string()),
            ]
        ),
    )
    con.register("file_rows", file_rows)
    con.execute("INSERT INTO sluice.file_structures SELECT * FROM file_rows")
    con.unregister("file_rows")
    con.execute(
        "CREATE TABLE sluice.tables (table_name VARCHAR PRIMARY KEY, kind VARCHAR, source VARCHAR, "
        "files_at_build BIGINT, columns STRUCT(name VARCHAR, type VARCHAR)[])"
    )
    con.execute(
        "CREATE TABLE sluice.build (catalog_format INTEGER, storage_url VARCHAR, built_at TIMESTAMPTZ, "
        "event_types INTEGER, lake_files BIGINT, skipped VARCHAR[])"
    )


def _columns(con) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in con.execute(
        "SELECT table_name, column_name, data_type FROM duckdb_columns() "
        "WHERE database_name = current_database() AND schema_name = 'main' ORDER BY table_name, column_index"
    ).fetchall():
        out.setdefault(table, []).append((column, data_type))
    return out


def _publish(tmp: Path, path: Path) -> None:
    os.replace(tmp, path)
    Path(f"{tmp}.wal").unlink(missing_ok=True)


def build_catalog(
    storage: StorageResource,
    path: Path,
    *,
    full_refresh: bool = False,
    on_skip: Callable[[str], None] = log.warning,
) -> CatalogBuild:
    """Write the catalog for ``storage`` at ``path`` (atomically) and describe what it holds.

    ``full_refresh`` ignores the structures cached in the previous catalog and reads every
    lake file's attributes again.
    """
    started = time.perf_counter()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    result = CatalogBuild(path=path, storage_url=storage.resolved_url)
    inventory = discover(storage)
    result.skipped += [f"not readable as a dataset: {key}" for key in inventory.skipped]
    cached = {} if full_refresh else cached_structures(path)

    tmp = path.parent / f".{path.name}.tmp-{uuid.uuid4().hex}"
    try:
        with connect(tmp, storage) as con:
            all_files = [f for files in inventory.event_files.values() for f in files]
            structures = {
                f.key: cached[f.key][1]
                for f in all_files
                if cached.get(f.key, (None,))[0] == f.size
            }
            todo = [f for f in all_files if f.key not in structures]
            structures.update(infer_structures(con, storage, todo))
            result.inferred_files = len(todo)

            writer = _Writer(con, result, on_skip)
            if inventory.event_files:
                _event_views(writer, storage, inventory, structures)
            if inventory.customers is not None:
                _dataset_view(writer, storage, CUSTOMERS_VIEW, "customers", inventory.customers)
            names = view_names("quarantine", [d.name for d in inventory.quarantines])
            for dataset in inventory.quarantines:
                _dataset_view(writer, storage, names[dataset.name], "quarantine", dataset)

            _bookkeeping(con, inventory, structures)
            columns = _columns(con)
            for name, kind, source, files in sorted(writer.made):
                table = TableInfo(name, kind, source, files, columns.get(name, []))
                result.tables.append(table)
                con.execute(
                    "INSERT INTO sluice.tables VALUES (?, ?, ?, ?, ?)",
                    [name, kind, source, files, [{"name": c, "type": t} for c, t in table.columns]],
                )
            result.event_types = len(inventory.event_files)
            result.lake_files = inventory.lake_files
            con.execute(
                "INSERT INTO sluice.build VALUES (?, ?, ?, ?, ?, ?)",
                [
                    CATALOG_FORMAT,
                    storage.resolved_url,
                    datetime.now(UTC),
                    result.event_types,
                    result.lake_files,
                    result.skipped,
                ],
            )
            con.execute("CHECKPOINT")
        _publish(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)
    result.seconds = time.perf_counter() - started
    return result
