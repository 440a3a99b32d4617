"""The Dagster face of the catalog: ``lake_catalog``, refreshed when what it reads changes."""

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AutomationCondition,
    Config,
    MaterializeResult,
    MetadataValue,
    TableColumn,
    TableSchema,
    asset,
)
from pydantic import Field

from platform_assets.catalog.build import CUSTOMERS_VIEW, EVENTS_VIEW, build_catalog
from platform_assets.catalog.connection import catalog_path
from platform_assets.catalog.records import CatalogBuild
from platform_assets.catalog.views import TYPE_VIEW_LEADING, TYPE_VIEW_TRAILING
from platform_assets.ingest_metadata_values import column_schema
from resources.storage import StorageResource

# What the catalog reads, by asset key: the domains define these (some in code that lands
# later; Dagster shows a key nobody defines yet as an external asset until then).
UPSTREAM = [
    "events_lake",
    "quarantined_events",
    "quarantined_persons",
    "quarantined_logins",
    "customers_parquet",
    "quarantined_customers",
    "iris_dataset",  # writes quarantine/iris/
]

# Run when the catalog goes missing (its first evaluation included), or when any upstream
# partition updated after the catalog was last requested; never while an upstream run or
# backfill is in progress, so a week's backfill ends in one refresh, not 168.
#
# Not eager(): an unpartitioned asset below hourly and per-file partitions always has
# "missing" upstream partitions, so eager's ~any_deps_missing never lets it run. And not
# since_last_handled(): it also resets on the catalog's own update, so an ingest that
# finishes while the catalog is being built (after it listed the lake) was forgotten, as
# seen under `make dev`. Resetting on the request alone keeps it; both sides carry
# timestamps, so an update after the request wins even when both land in one tick.
UPSTREAM_UPDATED = AutomationCondition.any_deps_match(AutomationCondition.newly_updated())
REFRESH_AFTER_UPSTREAM = (
    (
        AutomationCondition.newly_missing()
        | UPSTREAM_UPDATED.since(AutomationCondition.newly_requested())
    )
    & ~AutomationCondition.any_deps_in_progress()
    & ~AutomationCondition.in_progress()
).with_label("refresh after upstream updates")

_ENVELOPE = set(TYPE_VIEW_LEADING + TYPE_VIEW_TRAILING)
# The catalog's own index of its views (records.py), the one table every catalog holds.
CATALOG_TABLES_COLUMNS = [
    ("table_name", "VARCHAR"), ("kind", "VARCHAR"), ("source", "VARCHAR"),
    ("files_at_build", "BIGINT"), ("columns", "STRUCT(name VARCHAR, type VARCHAR)[]"),
]  # fmt: skip


class CatalogConfig(Config):
    full_refresh: bool = Field(
        default=False,
        description="Read every lake file's attributes again instead of reusing the structures "
        "the previous catalog recorded (by key and size).",
    )


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def tables_markdown(build: CatalogBuild) -> str:
    lines = ["| view | kind | source | files | columns |", "|---|---|---|---|---|"]
    for table in build.tables:
        columns = table.columns
        if table.kind == "event_type":  # the envelope is the same in every type's view
            columns = [(name, kind) for name, kind in columns if name not in _ENVELOPE]
            shown = "envelope + " + (", ".join(f"{n} {t}" for n, t in columns) or "no attributes")
        else:
            shown = ", ".join(f"{n} {t}" for n, t in columns)
        lines.append(
            f"| {_md_cell(table.name)} | {table.kind} | {_md_cell(table.source)} "
            f"| {table.files} | {_md_cell(shown)} |"
        )
    return "\n".join(lines)


def _schema(build: CatalogBuild, name: str) -> TableSchema | None:
    for table in build.tables:
        if table.name == name:
            return TableSchema(
                columns=[TableColumn(column, kind) for column, kind in table.columns]
            )
    return None


def catalog_metadata(build: CatalogBuild) -> dict:
    kinds = [t.kind for t in build.tables]
    metadata = {
        "catalog_path": MetadataValue.path(str(build.path)),
        "storage_root": build.storage_url,
        "views": len(build.tables),
        "event_types": build.event_types,
        "event_type_views": kinds.count("event_type"),
        "quarantine_views": kinds.count("quarantine"),
        "lake_files": build.lake_files,
        "files_inferred": build.inferred_files,
        "seconds": round(build.seconds, 2),
        "tables": MetadataValue.md(tables_markdown(build)),
        "skipped": MetadataValue.json(build.skipped),
    }
    for name in (EVENTS_VIEW, CUSTOMERS_VIEW):
        schema = _schema(build, name)
        if schema is not None:
            metadata[f"{name}_schema"] = MetadataValue.table_schema(schema)
    return metadata


@asset(
    name="lake_catalog",
    group_name="catalog",
    kinds={"duckdb"},
    metadata={**column_schema(CATALOG_TABLES_COLUMNS), "dagster/table_name": "sluice.tables"},
    deps=[AssetKey(key) for key in UPSTREAM],
    automation_condition=REFRESH_AFTER_UPSTREAM,
    description=(
        "A DuckDB database (SLUICE_CATALOG_PATH, default `.sluice/catalog/lake.duckdb`) of views "
        "over the storage root, local or S3, as a Glue crawler would make them: `events` (every "
        "event), `events_<type>` (one per event type, attributes as typed columns, types unioned "
        "across files), `customers` and `quarantine_<dataset>`; `sluice.tables` lists them. "
        'Query it with `sluice-query "SQL" [--save NAME]`. Refreshed after upstream updates.'
    ),
)
def lake_catalog(
    context: AssetExecutionContext, config: CatalogConfig, storage: StorageResource
) -> MaterializeResult:
    """Discover what the storage root holds and rewrite the catalog's views (atomically)."""
    build = build_catalog(
        storage, catalog_path(), full_refresh=config.full_refresh, on_skip=context.log.warning
    )
    context.log.info(
        f"{len(build.tables)} views ({build.event_types} event types) "
        f"over {build.lake_files} lake files; "
        f"{build.inferred_files} files inferred, {build.seconds:.1f}s"
    )
    return MaterializeResult(metadata=catalog_metadata(build))
