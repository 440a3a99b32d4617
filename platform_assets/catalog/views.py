"""The SQL of the catalog's views. Pure string building: no I/O, no DuckDB connection.

Views read files through globs under the storage root, so files that arrive after a build
are visible at once; a refresh is needed only for what a glob cannot show (a new event type
or dataset, a new attribute key, a changed attribute type). Lake views keep only the files
that a committed arrival-hour manifest lists (read at query time, see
platform_assets/lake_files.py), so a query never sees an hour half published.

The lake's envelope schema is fixed (event_id, created_at, attributes, meta, source_key,
line_number), so lake views read Parquet without ``union_by_name``: DuckDB then binds a view
from one file footer instead of every footer (on S3 a request per file, for every query).
Schema evolution in events lives inside ``attributes``, and the per-type views handle it by
unioning keys across files. Customers and quarantines, whose columns do change between
files, are read with ``union_by_name``.
"""

from __future__ import annotations

import json

from platform_assets.catalog.connection import quote_identifier, sql_literal
from platform_assets.catalog.discover import FORMATS, FileDataset
from platform_assets.lake_manifests import MANIFEST_PREFIX

LAKE_HIVE_TYPES = "{'event_type': VARCHAR, 'event_date': DATE, 'event_hour': INTEGER}"
# Per-type views: envelope columns first, attribute columns after, raw JSON last.
TYPE_VIEW_LEADING = ["event_id", "event_type", "created_at", "event_date", "event_hour"]
TYPE_VIEW_TRAILING = ["attributes", "meta", "source_key", "line_number"]
_ATTRS = "__attributes"


MANIFESTS_PREFIX = MANIFEST_PREFIX  # which files are committed (see lake_files.py)
MANIFESTS = f"{MANIFESTS_PREFIX}*.json"
# The manifest fields a view needs; a first-format manifest that is not complete has no
# "planned" and commits nothing.
_MANIFEST_COLUMNS = "{'complete': 'BOOLEAN', 'planned': 'VARCHAR[]', 'lake_files': 'VARCHAR[]'}"


def committed_files(root_uri: str) -> str:
    """SQL: the URI of every lake file a committed manifest lists (``root_uri`` ends in /)."""
    return (
        f"SELECT {sql_literal(root_uri)} || unnest(lake_files) FROM read_json("
        f"{sql_literal(root_uri + MANIFESTS)}, columns = {_MANIFEST_COLUMNS}, format = 'auto') "
        "WHERE complete OR planned IS NOT NULL"
    )


def _lake_scan(pattern_uri: str, root_uri: str) -> str:
    return (
        f"(SELECT * EXCLUDE (filename) FROM read_parquet({sql_literal(pattern_uri)}, "
        f"hive_partitioning = true, hive_types = {LAKE_HIVE_TYPES}, filename = true) "
        f"WHERE filename IN ({committed_files(root_uri)}))"
    )


def root_of(lake_uri: str) -> str:
    """The storage root's URI, with a trailing /, from the lake's (``.../lake/events``)."""
    return lake_uri[: -len("lake/events")]


def lake_pattern(lake_uri: str, event_type: str | None = None) -> str:
    """Glob of every lake file, or of one type's (``lake_uri`` is ``.../lake/events``)."""
    folder = f"event_type={event_type}" if event_type is not None else "*"
    return f"{lake_uri}/{folder}/*/*/*.parquet"


def events_view(name: str, lake_uri: str) -> str:
    return (
        f"CREATE OR REPLACE VIEW {quote_identifier(name)} AS\n"
        "SELECT event_id, event_type, created_at, event_date, event_hour,\n"
        "       CAST(attributes AS JSON) AS attributes, CAST(meta AS JSON) AS meta, source_key, "
        "line_number\n"
        f"FROM {_lake_scan(lake_pattern(lake_uri), root_of(lake_uri))}"
    )


def event_type_view(
    name: str, lake_uri: str, event_type: str, transform: dict, columns: dict[str, str]
) -> str:
    """One event type with each top-level attribute as a typed column.

    ``transform`` is the json_transform structure (key -> type, see structure.column_type)
    and ``columns`` the column name of each key (naming.attribute_columns). The attributes
    are parsed once per row into a STRUCT and its fields selected; a value that does not fit
    its column's type reads as NULL (the raw JSON stays in ``attributes``).
    """
    selected = [*TYPE_VIEW_LEADING]
    if transform:
        spec = json.dumps(transform, ensure_ascii=False, separators=(",", ":"))
        selected += [
            f"{_ATTRS}.{quote_identifier(key)} AS {quote_identifier(columns[key])}"
            for key in transform
        ]
        parsed = f", json_transform(attributes, {sql_literal(spec)}) AS {_ATTRS}"
    else:
        parsed = ""
    selected += [
        "CAST(attributes AS JSON) AS attributes",
        "CAST(meta AS JSON) AS meta",
        "source_key",
        "line_number",
    ]
    return (
        f"CREATE OR REPLACE VIEW {quote_identifier(name)} AS\n"
        f"SELECT {', '.join(selected)}\n"
        f"FROM (SELECT *{parsed} FROM "
        f"{_lake_scan(lake_pattern(lake_uri, event_type), root_of(lake_uri))})"
    )


def dataset_source(dataset: FileDataset, prefix_uri: str) -> str:
    """The glob (SQL literal), or list of globs, matching the dataset's files and no others.

    Only suffixes present are globbed: DuckDB fails a pattern that matches nothing.
    """
    suffixes = [s for s in FORMATS[dataset.format] if any(f.key.endswith(s) for f in dataset.files)]
    patterns = [sql_literal(f"{prefix_uri}/**/*{suffix}") for suffix in suffixes]
    return patterns[0] if len(patterns) == 1 else "[" + ", ".join(patterns) + "]"


def dataset_view(name: str, dataset: FileDataset, prefix_uri: str) -> str:
    """A view over every file of ``dataset`` (``prefix_uri`` is the dataset folder's URI)."""
    source = dataset_source(dataset, prefix_uri)
    hive = "true" if dataset.hive else "false"
    if dataset.format == "parquet":
        scan = f"read_parquet({source}, union_by_name = true, hive_partitioning = {hive})"
    elif dataset.format == "csv":
        scan = (
            f"read_csv({source}, union_by_name = true, header = true, hive_partitioning = {hive})"
        )
    else:
        scan = f"read_json({source}, union_by_name = true, hive_partitioning = {hive})"
    return f"CREATE OR REPLACE VIEW {quote_identifier(name)} AS\nSELECT * FROM {scan}"
