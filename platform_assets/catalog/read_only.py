"""Keep ``sluice-query`` to reading the lake: SELECT/EXPLAIN only, files under the folders the
catalog's views read, and a configuration nobody can change afterwards.

DuckDB alone would run any statement a user types: ``COPY ... TO`` writes files, ``ATTACH``
creates databases, ``read_text('/etc/passwd')`` reads anything, ``INSTALL`` downloads. Two
locks close that: the statement type is checked before anything runs (a ``COPY`` into an
allowed folder would still write), and the connection is restricted with DuckDB's own
settings (``enable_external_access=false`` with ``allowed_directories``, then
``lock_configuration=true``), so a table function cannot read outside the lake either.
"""

from __future__ import annotations

import duckdb

from platform_assets.catalog.connection import sql_literal
from platform_assets.catalog.views import MANIFESTS_PREFIX
from platform_assets.lake_files import LAKE_PREFIX
from resources.storage import StorageResource

# EXPLAIN shows a plan; DESCRIBE, SHOW, SUMMARIZE and PRAGMA show_tables parse as SELECT.
READ_STATEMENTS = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}


class QueryRefused(RuntimeError):
    """A statement sluice-query does not run; the message is the one line to print."""


def check_read_only(sql: str) -> None:
    """Refuse anything but SELECT/EXPLAIN, before DuckDB runs any part of ``sql``."""
    for statement in duckdb.extract_statements(sql):
        if statement.type not in READ_STATEMENTS:
            kind = statement.type.name
            raise QueryRefused(
                f"refused: sluice-query runs read-only queries over the lake (SELECT, EXPLAIN); "
                f"this is a {kind} statement"
            )


def allowed_directories(con: duckdb.DuckDBPyConnection, storage_url: str) -> list[str]:
    """The folders the catalog's views read, under the root the catalog was built for."""
    root = StorageResource(url=storage_url)
    sources = {LAKE_PREFIX, MANIFESTS_PREFIX}  # lake views keep the files manifests commit
    for kind, source in con.execute("SELECT kind, source FROM sluice.tables").fetchall():
        if kind != "event_type":  # an event type's view reads the lake prefix
            sources.add(source)
    return sorted(root.uri(source.rstrip("/")).rstrip("/") + "/" for source in sources)


def lock_to_lake(con: duckdb.DuckDBPyConnection, directories: list[str]) -> None:
    """No file access outside ``directories``, no extension loading, no setting changed."""
    listed = ", ".join(sql_literal(directory) for directory in directories)
    con.execute(f"SET allowed_directories = [{listed}]")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")


def describe_refusal(err: duckdb.Error) -> str | None:
    """One line for DuckDB's own refusals (outside the lake, locked settings), else None."""
    text = str(err).splitlines()[0] if str(err) else type(err).__name__
    if isinstance(err, duckdb.PermissionException) or "configuration has been locked" in text:
        return f"refused: sluice-query reads the lake only ({text})"
    return None
