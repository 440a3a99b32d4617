"""The Dagster face of the user-keyed copy of the lake; the work is relayout.copy_date."""

import tempfile
from pathlib import Path

from dagster import (
    AssetExecutionContext,
    BackfillPolicy,
    Config,
    MaterializeResult,
    MetadataValue,
    asset,
)
from pydantic import Field

from platform_assets.event_dates import event_date_partitions
from platform_assets.ingest_metadata_values import column_schema
from platform_assets.lake_manifests import lake_files_by_date
from platform_assets.serving.layout import PREFIX, configured_buckets, ensure_buckets
from platform_assets.serving.relayout import COPY_SCHEMA, ROW_GROUP_ROWS, copy_date
from resources.storage import StorageResource


class EventsByUserConfig(Config):
    row_group_rows: int = Field(
        default=ROW_GROUP_ROWS, ge=64, description="Rows per Parquet row group of a copy file."
    )


@asset(
    name="events_by_user",
    deps=["events_lake"],
    partitions_def=event_date_partitions(),
    backfill_policy=BackfillPolicy.single_run(),
    group_name="serving",
    kinds={"parquet"},
    metadata=column_schema(COPY_SCHEMA),
    description=(
        "The lake's valid events that carry a user_id, re-laid by user for the history API: "
        f"`{PREFIX}user_bucket=<NNN>/event_date=<YYYY-MM-DD>/events.parquet`, bucket = MD5 of "
        "user_id modulo the bucket count (SLUICE_USER_BUCKETS, fixed at first write), rows "
        "sorted by (user_id, created_at, event_id). Lake columns plus event_type. Daily by "
        "EVENT date; `events_by_user_sensor` re-runs the dates each ingest wrote."
    ),
)
def events_by_user(
    context: AssetExecutionContext, config: EventsByUserConfig, storage: StorageResource
) -> MaterializeResult:
    """Copy each event date of the run (one, or a backfilled range) from its committed lake
    files."""
    dates = list(context.partition_keys)
    buckets = ensure_buckets(storage, configured_buckets())
    lake_files = lake_files_by_date(storage, dates)
    copies = []
    with tempfile.TemporaryDirectory(prefix="sluice-events-by-user-") as tmp:
        for event_date in dates:
            copy = copy_date(
                storage,
                event_date,
                lake_files[event_date],
                buckets,
                Path(tmp) / event_date,
                config.row_group_rows,
            )
            context.log.info(
                f"{event_date}: {copy.lake_files_read} lake files -> {copy.rows} rows of "
                f"{copy.users} users in {copy.files_written} files ({copy.files_removed} removed), "
                f"{copy.seconds:.1f}s"
            )
            copies.append(copy)
    table = (
        "| date | lake files | rows | users | files | bytes | s |\n|---|---|---|---|---|---|---|\n"
    )
    table += "".join(
        f"| {c.event_date} | {c.lake_files_read} | {c.rows} | {c.users} | {c.files_written} "
        f"| {c.bytes_written} | {c.seconds:.1f} |\n"
        for c in copies
    )
    return MaterializeResult(
        metadata={
            "dagster/row_count": sum(c.rows for c in copies),
            "lake_files_read": sum(c.lake_files_read for c in copies),
            "files_written": sum(c.files_written for c in copies),
            "files_removed": sum(c.files_removed for c in copies),
            "bytes_written": sum(c.bytes_written for c in copies),
            "user_buckets": buckets,
            "dates": MetadataValue.md(table),
            "storage_prefix": storage.uri(PREFIX),
        }
    )
