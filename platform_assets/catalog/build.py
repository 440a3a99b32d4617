"""Build the catalog: discover datasets, infer event types' attributes, write the views.

The new catalog is written to a hidden file next to the old one and renamed over it, so a
reader (the query CLI, a notebook) sees the old catalog or the new one, never half of one.
Besides the views it holds ``sluice.tables`` (every view, what it reads, its columns),
``sluice.build`` (storage root, time) and ``sluice.file_structures`` (infer.py's cache).
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import duckdb

from platform_assets.catalog.connection import connect, quote_identifier, sql_literal
from platform_assets.catalog.discover import FileDataset, Inventory, discover
from platform_assets.catalog.infer import (
    CATALOG_FORMAT,
    cached_structures,
    infer_structures,
    type_structure,
)
from platform_assets.catalog.naming import attribute_columns, view_names
from platform_assets.catalog.records import CatalogBuild, TableInfo, view_columns, write_records
from platform_assets.catalog.views import (
    TYPE_VIEW_LEADING,
    TYPE_VIEW_TRAILING,
    dataset_view,
    event_type_view,
    events_view,
)
from platform_assets.lake_files import LAKE_PREFIX
from resources.storage import StorageResource

EVENTS_VIEW = "events"
CUSTOMERS_VIEW = "customers"

log = logging.getLogger(__name__)


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

            result.event_types = len(inventory.event_files)
            result.lake_files = inventory.lake_files
            columns = view_columns(con)
            result.tables = [
                TableInfo(name, kind, source, files, columns.get(name, []))
                for name, kind, source, files in sorted(writer.made)
            ]
            file_rows = [
                (f.key, f.size, event_type, structures[f.key])
                for event_type, files in inventory.event_files.items()
                for f in files
                if f.key in structures
            ]
            write_records(con, result, file_rows, CATALOG_FORMAT)
            con.execute("CHECKPOINT")
        _publish(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)
    result.seconds = time.perf_counter() - started
    return result
