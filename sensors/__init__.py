"""Every sensor and schedule of the code location, one module per domain.

They name the jobs and assets they start (``job_name=...``, ``target=[...]``) instead of
importing them, so this package depends on no domain package: only on the shared landing
layouts, the listing code beside them, and resources.
"""

from sensors.catalog import catalog_automation_sensor
from sensors.customers import customer_files_sensor, customers_schedule
from sensors.event_date_rollups import events_rollups_by_date_sensor
from sensors.events import raw_events_sensor
from sensors.logins import login_files_sensor, login_queue_sensor
from sensors.marts import marts_automation_sensor, marts_event_dates_sensor
from sensors.ml import iris_automation_sensor
from sensors.people import person_files_sensor
from sensors.serving import events_by_user_sensor

ALL_SENSORS = [
    raw_events_sensor,
    person_files_sensor,
    login_queue_sensor,
    login_files_sensor,
    customer_files_sensor,
    iris_automation_sensor,
    catalog_automation_sensor,
    events_by_user_sensor,
    events_rollups_by_date_sensor,
    marts_event_dates_sensor,
    marts_automation_sensor,
]
ALL_SCHEDULES = [customers_schedule]
