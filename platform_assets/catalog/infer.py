"""Attribute structures of lake files: reused from the last catalog, inferred, unioned per type.

Each lake file's ``json_group_structure(attributes)`` is kept in the catalog
(``sluice.file_structures``, by key and size), so a refresh reads only the files it has not
seen: after an hourly ingest, that hour's files, not the whole lake. Inference reads the
``attributes`` column of the given files only, in batches, never a glob of the lake.
"""

from __future__ import annotations

import json
import logging
from functools import reduce
from pathlib import Path

import duckdb

from platform_assets.catalog.structure import column_type, merge, top_level
from resources.storage import StorageResource, StoredObject

# Bump when what the catalog caches changes meaning: older caches are then ignored.
CATALOG_FORMAT = 1
INFER_BATCH_FILES = 500

log = logging.getLogger(__name__)


class CatalogBuildError(RuntimeError):
    """A lake file exists but cannot be read; the message names it."""


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
                        raise CatalogBuildError(f"cannot read lake file {uri}: {err}") from err
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
