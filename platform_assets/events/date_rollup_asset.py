"""The Dagster face of a date's compacted rollup; the work is date_rollup.compact_date."""

import tempfile
from pathlib import Path

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from platform_assets.event_dates import event_date_partitions
from platform_assets.events.date_rollup import compact_date
from platform_assets.events.rollups import ROLLUP_SCHEMA
from platform_assets.hour_commits import DAILY_ROLLUP_PREFIX
from platform_assets.ingest_metadata_values import column_schema
from resources.storage import StorageResource


@asset(
    name="events_rollups_by_date",
    deps=["events_lake"],
    partitions_def=event_date_partitions(),
    group_name="events",
    kinds={"parquet"},
    metadata=column_schema(ROLLUP_SCHEMA),
    description=(
        "One compacted rollup per EVENT date, "
        f"`{DAILY_ROLLUP_PREFIX}event_date=<YYYY-MM-DD>/rollup.parquet`: the union of the "
        "date's committed per-arrival-hour rollups (events per type and hour; the distinct "
        "(user_id, event_type) pairs, each user id stored once), with the commit id of every "
        "hour it covers in its footer. sluice-kpis reads it instead of the hours' rollups "
        "while those commits stand. `events_rollups_by_date_sensor` refreshes a date once an "
        "arrival hour of a later date (or its own last hour) wrote into it."
    ),
)
def events_rollups_by_date(
    context: AssetExecutionContext, storage: StorageResource
) -> MaterializeResult:
    date = context.partition_key
    with tempfile.TemporaryDirectory(prefix="sluice-date-rollup-") as tmp:
        result = compact_date(storage, date, Path(tmp))
    context.log.info(
        f"{date}: {len(result.hours)} arrival hours ({result.hours_read} read now), "
        f"{result.pairs} (user, type) pairs of {result.users} users, "
        f"{result.bytes_written} bytes, {result.seconds:.1f}s"
    )
    return MaterializeResult(
        metadata={
            "arrival_hours": len(result.hours),
            "arrival_hours_read": result.hours_read,
            "users": result.users,
            "user_type_pairs": result.pairs,
            "bytes_written": result.bytes_written,
            "covered_hours": MetadataValue.json(result.hours),
        }
    )
