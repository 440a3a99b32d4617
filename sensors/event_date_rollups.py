"""events_rollups_by_date_sensor: compact an event date's rollups once its own day is over.

Each events_lake materialization (one per arrival hour) wrote some event dates
(sensors/event_dates_written.py). A date D is requested when an arrival hour of a later date
wrote into it (late events, and the next day's first hours), or when D's own last arrival hour
(23:00) did; not after each of D's own hours, which would re-read the day's rollups 24 times.
Hours committed after a compaction are merged by readers from their own rollups until the
next one (platform_assets/hour_commits.py), so the figures never wait for it.
"""

from dagster import DefaultSensorStatus, SensorEvaluationContext, sensor

from resources.storage import StorageResource
from sensors.event_dates_written import event_dates_tick

RECORDS_PER_TICK = 500


def is_closed(event_date: str, arrival_partition: str | None) -> bool:
    """Whether an arrival hour ('YYYY-MM-DD-HH:MM') writing into ``event_date`` says the date's
    own hours are all in: it is of a later date, or the date's 23:00. Unknown hour: yes."""
    if not arrival_partition:
        return True
    arrival_date = arrival_partition[:10]
    return event_date < arrival_date or (
        event_date == arrival_date and arrival_partition[11:13] == "23"
    )


@sensor(
    name="events_rollups_by_date_sensor",
    job_name="events_rollups_by_date_job",
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.RUNNING,
    description="Requests an events_rollups_by_date run for every event date that an arrival "
    "hour of a later date, or the date's own last hour, wrote into.",
)
def events_rollups_by_date_sensor(context: SensorEvaluationContext, storage: StorageResource):
    return event_dates_tick(
        context, storage, RECORDS_PER_TICK, "events_rollups_by_date", wanted=is_closed
    )
