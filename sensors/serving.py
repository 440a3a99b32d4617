"""events_by_user_sensor: re-copy exactly the event dates each events_lake materialization wrote.

An arrival hour holds events of several dates (late events), so the copy of a date is stale
whenever any hour that wrote to it is (re)ingested. The dates come from the materialization's
``event_dates`` metadata when the ingest records it, else from the hour's committed manifest.
"""

from datetime import UTC, datetime

from dagster import (
    AssetKey,
    AssetRecordsFilter,
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from platform_assets.arrival_hours import DAGSTER_FORMAT
from platform_assets.event_dates import event_date_partitions
from platform_assets.lake_manifests import arrival_hour_event_dates
from resources.storage import StorageResource

EVENTS_LAKE = AssetKey("events_lake")
RECORDS_PER_TICK = 500


def _dates_of_record(record, storage: StorageResource) -> list[str]:
    materialization = record.asset_materialization
    recorded = materialization.metadata.get("event_dates") if materialization else None
    if recorded is not None:
        value = recorded.value
        return sorted(value if isinstance(value, list) else value.get("dates", []))
    partition = materialization.partition if materialization else None
    if not partition:
        return []
    hour = datetime.strptime(partition, DAGSTER_FORMAT).replace(tzinfo=UTC)
    return arrival_hour_event_dates(storage, hour)


@sensor(
    name="events_by_user_sensor",
    job_name="events_by_user_job",
    minimum_interval_seconds=30,
    default_status=DefaultSensorStatus.RUNNING,
    description="After each events_lake materialization, requests an events_by_user run for "
    "every event date that arrival hour wrote (late events included).",
)
def events_by_user_sensor(context: SensorEvaluationContext, storage: StorageResource):
    after = int(context.cursor) if context.cursor else None
    result = context.instance.fetch_materializations(
        AssetRecordsFilter(asset_key=EVENTS_LAKE, after_storage_id=after),
        limit=RECORDS_PER_TICK,
        ascending=True,
    )
    if not result.records:
        return SkipReason("no new events_lake materializations")
    latest: dict[str, int] = {}  # date -> the newest materialization that wrote it
    for record in result.records:
        for event_date in _dates_of_record(record, storage):
            latest[event_date] = max(latest.get(event_date, 0), record.storage_id)
    cursor = str(result.records[-1].storage_id)
    valid = set(event_date_partitions().get_partition_keys())
    outside = sorted(d for d in latest if d not in valid)
    if outside:
        context.log.warning(
            f"skipping event dates outside the partitions: {', '.join(outside[:5])}"
        )
    requests = [
        RunRequest(partition_key=d, run_key=f"events_by_user:{d}:{storage_id}")
        for d, storage_id in sorted(latest.items())
        if d in valid
    ]
    if not requests:
        return SensorResult(
            skip_reason=SkipReason("the new materializations wrote no event date"), cursor=cursor
        )
    return SensorResult(run_requests=requests, cursor=cursor)
