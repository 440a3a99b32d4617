"""Where the catalog file lives, and DuckDB connections that can read the storage root.

The catalog's views name files by absolute path or ``s3://`` URI, so a connection needs only
what DuckDB cannot keep in a database file: the httpfs extension (loaded from the
``duckdb-extension-httpfs`` wheel; DuckDB's own download has no internet here) and S3
settings. Credentials come from boto3's standard chain and go into a TEMPORARY secret: they
live in this connection's memory only and never in the ``.duckdb`` file.
"""

from __future__ import annotations

import importlib.resources
import os
from pathlib import Path
from urllib.parse import urlparse

import duckdb

from resources.storage import PROJECT_ROOT, S3Timeouts, StorageResource

DEFAULT_CATALOG_PATH = PROJECT_ROOT / ".sluice" / "catalog" / "lake.duckdb"
CATALOG_PATH_VARIABLE = "SLUICE_CATALOG_PATH"


class CatalogConfigError(RuntimeError):
    """The catalog cannot be opened or cannot reach the storage root; the message says why."""


def catalog_path() -> Path:
    """``SLUICE_CATALOG_PATH``, else ``.sluice/catalog/lake.duckdb`` in the repository."""
    value = os.environ.get(CATALOG_PATH_VARIABLE)
    return Path(value).expanduser().resolve() if value else DEFAULT_CATALOG_PATH


def sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _httpfs_file() -> Path:
    import duckdb_extension_httpfs

    version = duckdb.__version__
    path = (
        Path(str(importlib.resources.files(duckdb_extension_httpfs))) / "extensions" / f"v{version}"
    )
    path = path / "httpfs.duckdb_extension"
    if not path.is_file():
        raise CatalogConfigError(
            f"the httpfs extension for DuckDB {version} is not installed ({path} missing): "
            "install the duckdb-extension-httpfs wheel matching duckdb"
        )
    return path


def _s3_secret_sql(bucket: str, endpoint_url: str | None, region: str) -> str:
    import boto3

    credentials = boto3.Session().get_credentials()
    if credentials is None:
        raise CatalogConfigError(
            f"no AWS credentials found for s3://{bucket} (environment, ~/.aws, instance role): "
            "the catalog reads the storage root with them"
        )
    frozen = credentials.get_frozen_credentials()
    options = [
        "TYPE s3",
        f"KEY_ID {sql_literal(frozen.access_key)}",
        f"SECRET {sql_literal(frozen.secret_key)}",
        f"REGION {sql_literal(region)}",
        f"SCOPE {sql_literal(f's3://{bucket}')}",
    ]
    if frozen.token:
        options.append(f"SESSION_TOKEN {sql_literal(frozen.token)}")
    if endpoint_url:
        parsed = urlparse(endpoint_url)
        options += [
            f"ENDPOINT {sql_literal(parsed.netloc or parsed.path)}",
            "URL_STYLE 'path'",
            f"USE_SSL {'true' if parsed.scheme != 'http' else 'false'}",
        ]
    # TEMPORARY: kept in memory for this connection, never written to the database file.
    return f"CREATE OR REPLACE TEMPORARY SECRET sluice_storage ({', '.join(options)})"


def configure_for_storage(con: duckdb.DuckDBPyConnection, storage: StorageResource) -> None:
    """Make ``con`` able to read the storage root (local paths need nothing; S3 needs httpfs)."""
    # Never reach for the internet (there is none here) or ~/.duckdb: a missing extension
    # should fail with a message, not hang on a download.
    con.execute("SET autoinstall_known_extensions = false")
    con.execute(
        f"SET extension_directory = {sql_literal(str(catalog_path().parent / 'duckdb_extensions'))}"
    )
    parsed = urlparse(storage.resolved_url)
    if parsed.scheme != "s3":
        return
    con.execute(f"LOAD {sql_literal(str(_httpfs_file()))}")
    endpoint = storage.s3_endpoint_url or os.environ.get("SLUICE_S3_ENDPOINT_URL") or None
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    con.execute(_s3_secret_sql(parsed.netloc, endpoint, region))
    # The same bounded waits as the storage resource (SLUICE_S3_*_TIMEOUT, _MAX_ATTEMPTS).
    timeouts = S3Timeouts.from_environment()
    con.execute(f"SET http_timeout = {int(max(timeouts.connect, timeouts.read))}")
    con.execute(f"SET http_retries = {timeouts.attempts - 1}")


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
