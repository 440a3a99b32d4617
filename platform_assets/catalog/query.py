"""Run SQL against the lake catalog; optionally save the result (the brief's athena_results).

    python -m platform_assets.catalog.query "SELECT event_type, count(*) FROM events GROUP BY 1"
    sluice-query "SELECT * FROM customers" --save customers_export

With ``--save NAME`` the result is written once (the query runs once) to
``query_results/<NAME>/<YYYYMMDDTHHMMSSZ>.parquet`` and ``.csv`` under the storage root, each
published atomically. A query DuckDB rejects prints ``query failed: <DuckDB's message>`` and
exits 1. Without a catalog it says how to build one (``--refresh`` builds it first).

Only read-only statements run, and only over the folders the catalog's views read (see
read_only.py): anything else is refused in one line. ``--save`` writes through the storage
resource, never through SQL.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from platform_assets.catalog.build import build_catalog
from platform_assets.catalog.connection import CatalogConfigError, catalog_path, connect
from platform_assets.catalog.infer import CatalogBuildError
from platform_assets.catalog.read_only import (
    QueryRefused,
    allowed_directories,
    check_read_only,
    describe_refusal,
    lock_to_lake,
)
from platform_assets.duckdb_storage import DuckDBStorageError
from resources.storage import StorageAccessError, StorageConfigError, StorageResource

RESULTS_PREFIX = "query_results/"
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
SHOW_ROWS = 40


class QueryError(RuntimeError):
    """Anything the user can fix; printed as one line, exit code 1."""


def result_keys(name: str, now: datetime, storage: StorageResource) -> tuple[str, str]:
    """``query_results/<name>/<UTC timestamp>.parquet|.csv``; a second save in the same
    second gets ``-2``, ``-3``... rather than replacing the first."""
    stem = f"{RESULTS_PREFIX}{name}/{now.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    candidate, number = stem, 2
    while storage.exists(f"{candidate}.parquet") or storage.exists(f"{candidate}.csv"):
        candidate, number = f"{stem}-{number}", number + 1
    return f"{candidate}.parquet", f"{candidate}.csv"


def _open(path: Path, storage: StorageResource, refresh: bool) -> duckdb.DuckDBPyConnection:
    if refresh:
        built = build_catalog(storage, path)
        print(f"catalog refreshed: {len(built.tables)} views at {path}", file=sys.stderr)
    if not path.exists():
        raise QueryError(
            f"no catalog at {path}: materialize the lake_catalog asset "
            "(dagster asset materialize -m platform_assets.definitions --select lake_catalog) "
            "or run this command with --refresh"
        )
    con = connect(path, storage, read_only=True)
    try:
        built_for = con.execute("SELECT storage_url FROM sluice.build").fetchone()
    except duckdb.Error:
        con.close()
        raise QueryError(
            f"{path} is not a lake catalog (no sluice.build): rebuild it with --refresh"
        ) from None
    if built_for and built_for[0] != storage.resolved_url:
        print(
            f"warning: the catalog reads {built_for[0]} "
            f"but the storage root is {storage.resolved_url} "
            "(SLUICE_STORAGE_URL); run with --refresh to rebuild it",
            file=sys.stderr,
        )
    # The views read the root the catalog was built for: that is what stays readable.
    root = built_for[0] if built_for else storage.resolved_url
    lock_to_lake(con, allowed_directories(con, root))
    return con


def _rows(count: int) -> str:
    return f"{count} row{'s' if count != 1 else ''}"


def _print_streamed(con, batches, schema: pa.Schema) -> None:
    """Print the first rows as a table and count the rest, holding one batch at a time."""
    head, total = [], 0
    for batch in batches:
        if total < SHOW_ROWS:
            head.append(batch.slice(0, SHOW_ROWS - total))
        total += batch.num_rows
    table = pa.Table.from_batches(head, schema=schema)
    duckdb.from_arrow(table, connection=con).show(max_rows=SHOW_ROWS, max_width=200)
    shown = f", first {SHOW_ROWS} shown" if total > SHOW_ROWS else ""
    print(f"({_rows(total)}{shown})")


def _write_result(relation: duckdb.DuckDBPyRelation, parquet: Path, csv: Path) -> None:
    """The query runs once, streaming into Parquet (pyarrow: the query's connection may not
    write files); the CSV is made from that file by a scratch connection of our own."""
    reader = relation.to_arrow_reader(10_000)
    with pq.ParquetWriter(parquet, reader.schema, compression="zstd") as writer:
        for batch in reader:
            writer.write_batch(batch)
    with duckdb.connect() as scratch:
        scratch.read_parquet(str(parquet)).to_csv(str(csv), header=True)


def run(sql: str, save: str | None, refresh: bool, storage: StorageResource, path: Path) -> None:
    if save is not None and not SAFE_NAME.match(save):
        raise QueryError(
            f"--save {save!r}: use letters, digits, '_', '.', '-' "
            "(starting with a letter or digit), at most 128 characters"
        )
    check_read_only(sql)
    with _open(path, storage, refresh) as con:
        relation = con.sql(sql)
        if save is None:
            reader = relation.to_arrow_reader(10_000)
            _print_streamed(con, reader, reader.schema)
            return
        with tempfile.TemporaryDirectory(prefix="sluice-query-") as tmp:
            parquet, csv = Path(tmp) / "result.parquet", Path(tmp) / "result.csv"
            _write_result(relation, parquet, csv)
            saved = pq.ParquetFile(parquet)
            _print_streamed(con, saved.iter_batches(10_000), saved.schema_arrow)
            rows = saved.metadata.num_rows
            parquet_key, csv_key = result_keys(save, datetime.now(UTC), storage)
            storage.put_file(parquet, parquet_key)
            storage.put_file(csv, csv_key)
        print(f"saved {_rows(rows)} to {storage.uri(parquet_key)} and {storage.uri(csv_key)}")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="sluice-query",
        description="Run SQL against the lake catalog (views: events, events_<type>, customers, "
        "quarantine_<dataset>; SELECT * FROM sluice.tables lists them).",
    )
    p.add_argument("sql", help="the SQL to run (DuckDB dialect)")
    p.add_argument(
        "--save",
        metavar="NAME",
        help="also write the result to query_results/NAME/<timestamp>.csv and .parquet",
    )
    p.add_argument(
        "--refresh",
        action="store_true",
        help="rebuild the catalog first (as the lake_catalog asset does)",
    )
    p.add_argument(
        "--catalog",
        metavar="PATH",
        help="catalog file (default: SLUICE_CATALOG_PATH or .sluice/catalog/lake.duckdb)",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    path = Path(args.catalog).expanduser().resolve() if args.catalog else catalog_path()
    try:
        run(args.sql, args.save, args.refresh, StorageResource(), path)
    except QueryRefused as err:
        print(err, file=sys.stderr)
        return 1
    except duckdb.Error as err:
        print(describe_refusal(err) or f"query failed: {err}", file=sys.stderr)
        return 1
    except (
        QueryError,
        CatalogConfigError,
        CatalogBuildError,
        DuckDBStorageError,
        StorageConfigError,
        StorageAccessError,
    ) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
