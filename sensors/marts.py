"""The marts' automation: event marts by the event dates the lake was written for; the other
marts and team access by declarative automation.

An arrival hour writes events into several event dates (late events). Each events_lake
materialization records the dates it wrote (metadata ``event_dates``); this sensor requests
one event_marts_job run per date so recorded, never every date since the start and never
only the arrival date.
"""

from dagster import (
    AssetKey,
    AssetRecordsFilter,
    AssetSelection,
    AutomationConditionSensorDefinition,
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from platform_assets.arrival_hours import first_hour_from_environment

EVENTS_LAKE = AssetKey("events_lake")
RECORDS_PER_TICK = 200


def dates_to_refresh(records) -> tuple[list[str], int | None]:
    """The event dates recorded on these materializations, and the last storage id seen."""
    dates, last = set(), None
    for record in records:
        last = record.storage_id
        value = (
            record.asset_materialization.metadata.get("event_dates")
            if record.asset_materialization
            else None
        )
        if value is not None:
            dates.update(value.value)
    return sorted(dates), last


@sensor(
    name="marts_event_dates_sensor",
    job_name="event_marts_job",
    minimum_interval_seconds=30,
    default_status=DefaultSensorStatus.RUNNING,
    description="Reads the event dates each new events_lake materialization wrote and requests "
    "one event_marts_job run per date: late events refresh their own dates' marts.",
)
def marts_event_dates_sensor(context: SensorEvaluationContext):
    after = int(context.cursor) if context.cursor else None
    result = context.instance.fetch_materializations(
        AssetRecordsFilter(asset_key=EVENTS_LAKE, after_storage_id=after),
        limit=RECORDS_PER_TICK,
        ascending=True,
    )
    dates, last = dates_to_refresh(result.records)
    if last is None:
        return SkipReason("no new events_lake materialization")
    first = first_hour_from_environment()[:10]
    skipped = [day for day in dates if day < first]
    if skipped:
        context.log.warning(
            f"skipping event dates before SLUICE_EVENTS_START ({first}): {skipped[:10]}"
        )
    requests = [
        RunRequest(partition_key=day, run_key=f"event_marts:{day}:{last}")
        for day in dates
        if day >= first
    ]
    return SensorResult(run_requests=requests, cursor=str(last))


marts_automation_sensor = AutomationConditionSensorDefinition(
    "marts_automation_sensor",
    target=AssetSelection.groups("growth", "trust", "crm", "teams")
    | AssetSelection.assets(["staging", "stg_user_logins"], ["staging", "stg_persons"]),
    default_status=DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description="Rebuilds the login and person marts after their tables change, and applies "
    "dbt/teams.yaml when it changes.",
)
