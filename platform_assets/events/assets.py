"""The Dagster face of the events pipeline: partitions, metadata and checks.

The work itself is ``ingest.ingest_hours``; this file hands it the run's hours (one, or a
backfilled range, in order) and reports what happened.
"""

import gc
import os
from datetime import timedelta

import pyarrow as pa
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetSpec,
    BackfillPolicy,
    Config,
    MaterializeResult,
    MetadataValue,
    multi_asset,
)
from pydantic import Field

from platform_assets.events.ingest import DEFAULT_BATCH_SIZE, ingest_hours
from platform_assets.events.lake_writer import LAKE_SCHEMA, PARTITION_SCHEMA
from platform_assets.events.layout import LAKE_PREFIX, LANDING_PREFIX
from platform_assets.events.metadata import (
    combine,
    event_dates_written,
    hours_markdown,
    summary,
    top_types_markdown,
)
from platform_assets.events.partitions import arrival_hours
from platform_assets.events.quarantine_writer import QUARANTINE_SCHEMA
from platform_assets.ingest_metadata_values import column_schema, ingest_metadata
from platform_assets.lake_files import QUARANTINE_PREFIX
from platform_assets.progress import ProgressLog
from resources.storage import StorageResource

DEFAULT_MAX_QUARANTINE_RATE = 0.05

raw_events = AssetSpec(
    "raw_events",
    description=(
        "Raw JSON-lines event files as producers (Firehose-style) drop them, under "
        f"`{LANDING_PREFIX}YYYY/MM/DD/HH/` by ARRIVAL hour (UTC); `.jsonl` or `.jsonl.gz`. "
        "Not materialized by Sluice: `raw_events_sensor` watches for new files."
    ),
    group_name="events",
    partitions_def=arrival_hours,
    metadata={"storage_prefix": LANDING_PREFIX},
    kinds={"json"},
)


class EventsIngestConfig(Config):
    batch_size: int = Field(
        default=DEFAULT_BATCH_SIZE, description="Lines validated per batch: this bounds memory."
    )
    max_quarantine_rate: float | None = Field(
        default=None,
        description="Warn above this share of quarantined records "
        "(default: SLUICE_EVENTS_MAX_QUARANTINE_RATE or 0.05).",
    )


def _max_quarantine_rate(config: EventsIngestConfig) -> float:
    if config.max_quarantine_rate is not None:
        return config.max_quarantine_rate
    value = os.environ.get("SLUICE_EVENTS_MAX_QUARANTINE_RATE")
    try:
        return float(value) if value else DEFAULT_MAX_QUARANTINE_RATE
    except ValueError:
        raise ValueError(f"SLUICE_EVENTS_MAX_QUARANTINE_RATE={value!r} is not a number") from None


@multi_asset(
    specs=[
        AssetSpec(
            "events_lake",
            deps=[raw_events],
            description=(
                "Valid, deduplicated events as Parquet (zstd): "
                f"`{LAKE_PREFIX}event_type=<t>/event_date=<YYYY-MM-DD>/"
                "event_hour=<HH>/<arrival>.parquet`, "
                "by EVENT time, so late events land in their own hour. Columns: event_id, "
                "created_at "
                "(timestamp ms UTC), attributes and meta (original JSON text), source_key, "
                "line_number. "
                "An id appears once: later copies (redeliveries) are quarantined as duplicate_id."
            ),
            group_name="events",
            kinds={"parquet"},
            # The file's columns, then the cell directories (hive partitions) readers see.
            metadata=column_schema(
                pa.schema([*LAKE_SCHEMA, *(f.with_type(pa.string()) for f in PARTITION_SCHEMA)])
            ),
        ),
        AssetSpec(
            "quarantined_events",
            deps=[raw_events],
            description=(
                "Every rejected event line, never dropped: "
                f"`{QUARANTINE_PREFIX}ingest_date=<YYYY-MM-DD>/ingest_hour=<HH>/<arrival>.parquet` "
                "with "
                "raw (the original line), reason (codes joined by ';'), reasons (list), "
                "source_key, "
                "line_number, event_id."
            ),
            group_name="events",
            kinds={"parquet"},
            metadata=column_schema(QUARANTINE_SCHEMA),
        ),
    ],
    check_specs=[
        AssetCheckSpec(
            "no_duplicate_event_ids",
            asset="events_lake",
            description="The lake files written by this run hold each event_id once.",
        ),
        AssetCheckSpec(
            "quarantine_rate_below_threshold",
            asset="quarantined_events",
            description="Share of quarantined records stays under max_quarantine_rate.",
        ),
    ],
    partitions_def=arrival_hours,
    backfill_policy=BackfillPolicy.single_run(),
    name="ingest_events",
)
def ingest_events(
    context: AssetExecutionContext, config: EventsIngestConfig, storage: StorageResource
):
    """Validate each arrival hour's landing files into the lake and the quarantine, in one pass."""
    # The run's process keeps the code location's and Dagster's objects until it ends.
    # Freezing them spares the cyclic collector from walking all of them whenever the
    # ingest's allocations trigger a full collection (docs/events.md has the cost).
    gc.freeze()
    window = context.partition_time_window
    arrival_hours = []
    while window.start + timedelta(hours=len(arrival_hours)) < window.end:
        arrival_hours.append(window.start + timedelta(hours=len(arrival_hours)))
    hours = []
    progress = ProgressLog(context.log.info, "ingest_events")
    # Every hour's lease is held for the run (partition_lease.py): an overlapping run of one of
    # them fails at once naming this run, and raw_events_sensor retries it once this one ends.
    holder = f"run {context.run_id}"
    for stats in ingest_hours(
        storage, arrival_hours, batch_size=config.batch_size, progress=progress, holder=holder
    ):
        context.log.info(
            f"{stats.arrival_hour:%Y-%m-%d %H}:00: read {stats.records_read}, valid {stats.valid}, "
            f"quarantined {stats.quarantined} ({stats.duplicates} duplicates), "
            f"{len(stats.lake_files)} lake files, {stats.seconds:.1f}s"
        )
        hours.append(stats)

    totals = combine(hours)
    read = totals["records_read"]
    rate = totals["quarantined"] / read if read else 0.0
    threshold = _max_quarantine_rate(config)
    # Counted hour by hour as each was published (see ingest.publish_hour).
    duplicate_ids = sum(stats.duplicate_ids_written for stats in hours)
    files_checked = sum(len(stats.lake_files) for stats in hours)
    per_hour = MetadataValue.md(hours_markdown(hours))
    # valid + quarantined == records_read, every run: nothing is dropped (summary checks it).
    run = summary(totals)
    quarantine_bytes = totals["quarantine_bytes_written"]

    yield MaterializeResult(
        asset_key="events_lake",
        metadata={
            **ingest_metadata(
                run,
                row_count=totals["valid"],
                location=storage.uri(LAKE_PREFIX),
                bytes_written=totals["bytes_written"] - quarantine_bytes,
            ),
            "duplicates": totals["duplicates"],
            "types_seen": len(totals["types"]),
            "files_written": totals["lake_files_written"],
            "top_types": MetadataValue.md(top_types_markdown(totals["types"])),
            "hours": per_hour,
            # Late events reach back several dates: the event marts rebuild exactly these.
            "event_dates": MetadataValue.json(event_dates_written(hours)),
        },
    )
    yield MaterializeResult(
        asset_key="quarantined_events",
        metadata={
            **ingest_metadata(
                run,
                row_count=totals["quarantined"],
                location=storage.uri(QUARANTINE_PREFIX),
                bytes_written=quarantine_bytes,
            ),
            "quarantine_rate": round(rate, 6),
            "duplicates": totals["duplicates"],
            "files_written": totals["files_written"] - totals["lake_files_written"],
        },
    )
    yield AssetCheckResult(
        asset_key="events_lake",
        check_name="no_duplicate_event_ids",
        passed=duplicate_ids == 0,
        severity=AssetCheckSeverity.ERROR,
        metadata={"duplicate_ids": duplicate_ids, "files_checked": files_checked},
    )
    yield AssetCheckResult(
        asset_key="quarantined_events",
        check_name="quarantine_rate_below_threshold",
        passed=rate <= threshold,
        severity=AssetCheckSeverity.WARN,
        metadata={"quarantine_rate": round(rate, 6), "threshold": threshold},
    )
