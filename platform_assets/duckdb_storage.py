"""A DuckDB connection that reads the storage root: what the catalog and the marts share.

Extensions come from their wheels (DuckDB's run-time download has no internet here), S3
credentials from the standard AWS chain as a connection-scoped secret, and S3 waits are the
storage resource's bounded ones (SLUICE_S3_*). Dagster-free and domain-free.
"""

from __future__ import annotations

import importlib.resources
import os
from pathlib import Path
from urllib.parse import urlparse

import duckdb

from resources.storage.s3 import S3Timeouts


class DuckDBStorageError(RuntimeError):
    """DuckDB cannot be set up to read the storage root; the message says what is missing."""


def sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def wheel_extension(package: str, file_name: str) -> Path:
    """An extension file shipped by a ``duckdb-extension-*`` wheel for this duckdb version."""
    version = duckdb.__version__
    path = Path(str(importlib.resources.files(package))) / "extensions" / f"v{version}" / file_name
    if not path.is_file():
        raise DuckDBStorageError(
            f"DuckDB extension {path} is missing: install the {package.replace('_', '-')} wheel "
            f"matching duckdb {version}"
        )
    return path


def s3_secret_sql(bucket: str, endpoint_url: str | None) -> str:
    """A connection-scoped secret for ``s3://bucket`` from the standard AWS credential chain."""
    import boto3

    credentials = boto3.Session().get_credentials()
    if credentials is None:
        raise DuckDBStorageError(
            f"no AWS credentials found for s3://{bucket} (environment, ~/.aws, instance role): "
            "DuckDB reads the storage root with them"
        )
    frozen = credentials.get_frozen_credentials()
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
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
    # TEMPORARY: kept in memory for this connection, never written to a database file.
    return f"CREATE OR REPLACE TEMPORARY SECRET sluice_storage ({', '.join(options)})"


def read_storage(
    con: duckdb.DuckDBPyConnection, storage_url: str, endpoint_url: str | None
) -> None:
    """Make ``con`` able to read ``storage_url`` (local paths need nothing; S3 needs httpfs)."""
    # Never reach for the internet or ~/.duckdb: a missing extension fails with a message.
    con.execute("SET autoinstall_known_extensions = false")
    if urlparse(storage_url).scheme != "s3":
        return
    httpfs = wheel_extension("duckdb_extension_httpfs", "httpfs.duckdb_extension")
    con.execute(f"LOAD {sql_literal(str(httpfs))}")
    con.execute(s3_secret_sql(urlparse(storage_url).netloc, endpoint_url))
    timeouts = S3Timeouts.from_environment()
    con.execute(f"SET http_timeout = {int(max(timeouts.connect, timeouts.read))}")
    con.execute(f"SET http_retries = {timeouts.attempts - 1}")
