"""raw_events_sensor: one events ingest run per arrival hour that received new landing files,
and one more for an hour whose latest run failed, once no run holds it (sensors/failed_runs.py)."""

from dagster import (
    AssetKey,
    DefaultSensorStatus,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from platform_assets.landing_hours import EVENTS_LANDING
from resources.storage import StorageResource
from sensors.failed_runs import retry_requests
from sensors.hourly_runs import hourly_run_requests, max_keys_per_tick
from sensors.landing_listing import list_new_landing_hours


@sensor(
    name="raw_events_sensor",
    job_name="ingest_events_job",
    minimum_interval_seconds=30,
    default_status=DefaultSensorStatus.RUNNING,
    description="Lists new files under landing/events/ incrementally (key cursor) and "
    "requests one ingest run per arrival hour that has new files.",
)
def raw_events_sensor(context: SensorEvaluationContext, storage: StorageResource):
    listing = list_new_landing_hours(storage, EVENTS_LANDING, context.cursor, max_keys_per_tick())
    run_requests = hourly_run_requests(listing, "raw_events", context.log)
    run_requests += retry_requests(
        context, storage, job_name="ingest_events_job", asset_key=AssetKey("events_lake"),
        step_key="ingest_events", lease_dataset="events",
        # The events lease is named like the hour's files: 2025-01-01-10:00 -> 2025-01-01T10.
        lease_partition=lambda key: key[:10] + "T" + key[11:13],
        run_key_prefix="raw_events", attempts_variable="SLUICE_EVENTS_MAX_ATTEMPTS",
        requested={r.partition_key for r in run_requests},
    )  # fmt: skip
    if not run_requests:
        return SensorResult(
            skip_reason=SkipReason(f"no new files under {EVENTS_LANDING.prefix}"),
            cursor=listing.cursor,
        )
    context.log.info(
        f"listed {listing.keys_listed} key(s); "
        f"{len(run_requests)} run request(s); more pending: {listing.truncated}"
    )
    return SensorResult(run_requests=run_requests, cursor=listing.cursor)
