"""Where the catalog file lives, and DuckDB connections that can read the storage root.

The catalog's views name files by absolute path or ``s3://`` URI, so a connection needs only
what DuckDB cannot keep in a database file: the httpfs extension (loaded from the
``duckdb-extension-httpfs`` wheel; DuckDB's own download has no internet here) and S3
settings. Credentials come from boto3's standard chain and go into a TEMPORARY secret: they
live in this connection's memory only and never in the ``.duckdb`` file.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from platform_assets.duckdb_storage import read_storage, sql_literal
from resources.storage import PROJECT_ROOT, StorageResource

DEFAULT_CATALOG_PATH = PROJECT_ROOT / ".sluice" / "catalog" / "lake.duckdb"
CATALOG_PATH_VARIABLE = "SLUICE_CATALOG_PATH"


class CatalogConfigError(RuntimeError):
    """The catalog cannot be opened or cannot reach the storage root; the message says why."""


def catalog_path() -> Path:
    """``SLUICE_CATALOG_PATH``, else ``.sluice/catalog/lake.duckdb`` in the repository."""
    value = os.environ.get(CATALOG_PATH_VARIABLE)
    return Path(value).expanduser().resolve() if value else DEFAULT_CATALOG_PATH


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def configure_for_storage(con: duckdb.DuckDBPyConnection, storage: StorageResource) -> None:
    """Make ``con`` able to read the storage root (local paths need nothing; S3 needs httpfs)."""
    # Extensions live beside the catalog, never in ~/.duckdb.
    con.execute(
        f"SET extension_directory = {sql_literal(str(catalog_path().parent / 'duckdb_extensions'))}"
    )
    endpoint = storage.s3_endpoint_url or os.environ.get("SLUICE_S3_ENDPOINT_URL") or None
    read_storage(con, storage.resolved_url, endpoint)


def connect(
    path: Path | str | None, storage: StorageResource, read_only: bool = False
) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection on ``path`` (None: in memory) configured to read ``storage``."""
    database = str(path) if path is not None else ":memory:"
    con = duckdb.connect(database, read_only=read_only)
    try:
        configure_for_storage(con, storage)
    except BaseException:
        con.close()
        raise
    return con
