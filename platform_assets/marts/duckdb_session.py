"""The DuckDB session dbt runs the marts in: in memory, able to read the lake and Postgres.

dbt-duckdb loads this module as a plugin (dbt/profiles.yml) and calls ``configure_connection``
on its one connection. The session lives as long as the dbt invocation: staging tables are
built in memory and the marts are published into Postgres (the ``published`` materialization),
so no DuckDB file is ever shared between runs (DuckDB allows one writer per file).

Extensions come from their wheels, never downloaded (no internet here): httpfs for an S3
storage root, and postgres to ATTACH the app database as ``app_db``. Settings come from the
platform's variables, set by the Dagster asset for the dbt subprocess: SLUICE_POSTGRES_URL,
SLUICE_STORAGE_URL and SLUICE_S3_ENDPOINT_URL; credentials from boto3's chain into a
TEMPORARY secret (connection memory only).
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from platform_assets.duckdb_storage import read_storage, sql_literal, wheel_extension
from resources.project_paths import SLUICE_DIR

APP_DATABASE = "app_db"  # the attached Postgres, as models and sources name it
POSTGRES_URL_VARIABLE = "SLUICE_POSTGRES_URL"


class MartsSessionError(RuntimeError):
    """The marts' DuckDB session cannot reach what it needs; the message says what and why."""


def _postgres_extension() -> Path:
    """The postgres wheel's file under the name DuckDB derives its entry point from
    (``postgres_scanner``): a symlink in .sluice/, made once."""
    source = wheel_extension("duckdb_extension_postgres", "postgres.duckdb_extension")
    directory = SLUICE_DIR / "duckdb_extensions" / f"v{duckdb.__version__}"
    link = directory / "postgres_scanner.duckdb_extension"
    if not link.exists() or link.resolve() != source.resolve():
        directory.mkdir(parents=True, exist_ok=True)
        temporary = directory / f".postgres_scanner.{os.getpid()}"
        temporary.unlink(missing_ok=True)
        temporary.symlink_to(source)
        temporary.replace(link)  # atomic: concurrent sessions never see a half-made link
    return link


def libpq_url(url: str | None) -> str:
    """``url`` (default SLUICE_POSTGRES_URL) as libpq takes it."""
    url = url or os.environ.get(POSTGRES_URL_VARIABLE)
    if not url:
        raise MartsSessionError(
            f"{POSTGRES_URL_VARIABLE} is not set: the marts read the platform's tables and "
            "publish into that database"
        )
    # DuckDB hands the URL to libpq, which knows no SQLAlchemy driver suffix.
    return url.replace("postgresql+psycopg2://", "postgresql://").replace(
        "postgresql+psycopg://", "postgresql://"
    )


def configure(
    con: duckdb.DuckDBPyConnection,
    storage_url: str | None = None,
    s3_endpoint_url: str | None = None,
    postgres_url: str | None = None,
    attach_postgres: bool = True,
) -> None:
    """Make ``con`` read the storage root and (optionally) attach the app database. Unset
    arguments come from SLUICE_STORAGE_URL, SLUICE_S3_ENDPOINT_URL, SLUICE_POSTGRES_URL."""
    con.execute("SET autoinstall_known_extensions = false")
    con.execute("SET autoload_known_extensions = false")
    con.execute("SET TimeZone = 'UTC'")  # event dates are UTC dates
    storage_url = storage_url or os.environ.get("SLUICE_STORAGE_URL", "")
    endpoint = s3_endpoint_url or os.environ.get("SLUICE_S3_ENDPOINT_URL") or None
    read_storage(con, storage_url, endpoint)
    if attach_postgres:
        con.execute(f"LOAD {sql_literal(str(_postgres_extension()))}")
        con.execute(
            f"ATTACH IF NOT EXISTS {sql_literal(libpq_url(postgres_url))} AS {APP_DATABASE} (TYPE "
            "postgres)"
        )


try:  # the dbt-duckdb plugin interface; absent where only `configure` is used
    from dbt.adapters.duckdb.plugins import BasePlugin
except ImportError:  # pragma: no cover - dbt-duckdb is a dependency
    BasePlugin = object


class Plugin(BasePlugin):
    """dbt-duckdb's hook: configure the invocation's connection (see module docstring)."""

    def configure_connection(self, conn: duckdb.DuckDBPyConnection) -> None:
        configure(conn)
