"""The reconciliation check of product/events_daily (the dbt tests are checks too, from dbt)."""

import time
from datetime import date, timedelta

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetKey,
    MetadataValue,
    asset_check,
)

from platform_assets.event_rollups import valid_events_by_date
from platform_assets.marts.partitions import event_dates
from platform_assets.marts.reconcile import mart_events_by_date, reconcile
from resources.postgres import PostgresResource
from resources.storage import StorageResource

EVENTS_DAILY = AssetKey(["product", "events_daily"])


@asset_check(
    asset=EVENTS_DAILY,
    name="events_match_lake",
    partitions_def=event_dates,
    description="For each event date of the run, the sum of events equals the lake's valid "
    "events of that date as the ingest wrote them: the hour rows of the date's trusted rollups "
    "(complete manifest lists them), else the committed lake files' Parquet row counts.",
)
def events_match_lake(
    context: AssetCheckExecutionContext, storage: StorageResource, postgres: PostgresResource
) -> AssetCheckResult:
    window = context.partition_time_window
    dates = []
    while window.start + timedelta(days=len(dates)) < window.end:
        dates.append((window.start + timedelta(days=len(dates))).date())
    began = time.perf_counter()
    valid = valid_events_by_date(storage, [d.isoformat() for d in dates])
    lake = {date.fromisoformat(d): n for d, n in valid.counts.items()}
    counts = reconcile(
        lake, mart_events_by_date(postgres.resolved_url, dates[0], window.end.date())
    )
    seconds = time.perf_counter() - began
    mismatched = [count for count in counts if not count.matches]
    lines = ["| event_date | lake | events_daily |", "|---|---:|---:|"]
    lines += [
        f"| {c.event_date} | {c.lake_events:,} | {c.mart_events:,} |"
        for c in mismatched[:50] or counts[:50]
    ]
    return AssetCheckResult(
        passed=not mismatched,
        severity=AssetCheckSeverity.ERROR,
        metadata={
            "dates_checked": len(counts),
            "dates_mismatched": len(mismatched),
            "lake_events": sum(c.lake_events for c in counts),
            "mart_events": sum(c.mart_events for c in counts),
            "rollup_files_read": valid.rollup_files,
            "lake_files_read": valid.lake_files,
            "manifests_read": valid.manifests_read,
            "seconds": round(seconds, 3),
            "dates": MetadataValue.md("\n".join(lines)),
        },
    )
