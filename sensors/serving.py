"""events_by_user_sensor: re-copy exactly the event dates each events_lake materialization wrote
(sensors/event_dates_written.py says how they are found)."""

from dagster import DefaultSensorStatus, SensorEvaluationContext, SensorResult, SkipReason, sensor

from resources.storage import StorageResource
from sensors.event_dates_written import date_run_requests, written_event_dates

RECORDS_PER_TICK = 500


@sensor(
    name="events_by_user_sensor",
    job_name="events_by_user_job",
    minimum_interval_seconds=30,
    default_status=DefaultSensorStatus.RUNNING,
    description="After each events_lake materialization, requests an events_by_user run for "
    "every event date that arrival hour wrote (late events included).",
)
def events_by_user_sensor(context: SensorEvaluationContext, storage: StorageResource):
    latest, cursor = written_event_dates(context, storage, RECORDS_PER_TICK)
    if cursor is None:
        return SkipReason("no new events_lake materializations")
    requests = date_run_requests(context, latest, "events_by_user")
    if not requests:
        return SensorResult(
            skip_reason=SkipReason("the new materializations wrote no event date"), cursor=cursor
        )
    return SensorResult(run_requests=requests, cursor=cursor)
