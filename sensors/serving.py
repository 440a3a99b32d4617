"""events_by_user_sensor: re-copy exactly the event dates each events_lake materialization wrote
(sensors/event_dates_written.py says how they are found)."""

from dagster import DefaultSensorStatus, SensorEvaluationContext, sensor

from resources.storage import StorageResource
from sensors.event_dates_written import event_dates_tick

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
    return event_dates_tick(context, storage, RECORDS_PER_TICK, "events_by_user")
