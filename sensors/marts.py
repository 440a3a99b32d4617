"""The marts' automation: event marts by the event dates the lake was written for; the other
marts and team access by declarative automation.

An arrival hour writes events into several event dates (late events): this sensor requests one
event_marts_job run per date the new events_lake materializations wrote
(sensors/event_dates_written.py).
"""

from dagster import (
    AssetSelection,
    AutomationConditionSensorDefinition,
    DefaultSensorStatus,
    SensorEvaluationContext,
    sensor,
)

from resources.storage import StorageResource
from sensors.event_dates_written import event_dates_tick

RECORDS_PER_TICK = 200


@sensor(
    name="marts_event_dates_sensor",
    job_name="event_marts_job",
    minimum_interval_seconds=30,
    default_status=DefaultSensorStatus.RUNNING,
    description="Reads the event dates each new events_lake materialization wrote and requests "
    "one event_marts_job run per date: late events refresh their own dates' marts.",
)
def marts_event_dates_sensor(context: SensorEvaluationContext, storage: StorageResource):
    return event_dates_tick(context, storage, RECORDS_PER_TICK, "event_marts")


marts_automation_sensor = AutomationConditionSensorDefinition(
    "marts_automation_sensor",
    target=AssetSelection.groups("growth", "trust", "crm", "teams")
    | AssetSelection.assets(["staging", "stg_user_logins"], ["staging", "stg_persons"]),
    default_status=DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description="Rebuilds the login and person marts after their tables change, and applies "
    "dbt/teams.yaml when it changes.",
)
