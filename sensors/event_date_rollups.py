"""events_rollups_by_date_sensor: compact an event date's rollups once its own day is over.

Each events_lake materialization (one per arrival hour) records the event dates it wrote
(metadata ``event_dates``). A date D is requested when an arrival hour of a later date wrote
into it (late events, and the next day's first hours), or when D's own last arrival hour
(23:00) did; not after each of D's own hours, which would re-read the day's rollups 24 times.
Hours committed after a compaction are merged by readers from their own rollups until the
next one (platform_assets/hour_commits.py), so the figures never wait for it.
"""

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

from platform_assets.arrival_hours import first_hour_from_environment

EVENTS_LAKE = AssetKey("events_lake")
RECORDS_PER_TICK = 500


def dates_to_compact(records) -> tuple[list[str], int | None]:
    """The closed event dates these materializations wrote, and the last storage id seen."""
    dates, last = set(), None
    for record in records:
        last = record.storage_id
        materialization = record.asset_materialization
        value = materialization.metadata.get("event_dates") if materialization else None
        if value is None:
            continue
        written = value.value if isinstance(value.value, list) else value.value.get("dates", [])
        # Partition keys are arrival hours, 'YYYY-MM-DD-HH:MM'; without one, every date.
        partition = materialization.partition or "9999-12-31-23:00"
        arrival_date, last_hour = partition[:10], partition[11:13] == "23"
        dates.update(d for d in written if d < arrival_date or (d == arrival_date and last_hour))
    return sorted(dates), last


@sensor(
    name="events_rollups_by_date_sensor",
    job_name="events_rollups_by_date_job",
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.RUNNING,
    description="Requests an events_rollups_by_date run for every event date that an arrival "
    "hour of a later date, or the date's own last hour, wrote into.",
)
def events_rollups_by_date_sensor(context: SensorEvaluationContext):
    after = int(context.cursor) if context.cursor else None
    result = context.instance.fetch_materializations(
        AssetRecordsFilter(asset_key=EVENTS_LAKE, after_storage_id=after),
        limit=RECORDS_PER_TICK,
        ascending=True,
    )
    dates, last = dates_to_compact(result.records)
    if last is None:
        return SkipReason("no new events_lake materialization")
    first = first_hour_from_environment()[:10]
    requests = [
        RunRequest(partition_key=day, run_key=f"events_rollups_by_date:{day}:{last}")
        for day in dates
        if day >= first
    ]
    if not requests:
        return SensorResult(
            skip_reason=SkipReason("no closed event date written"), cursor=str(last)
        )
    return SensorResult(run_requests=requests, cursor=str(last))
