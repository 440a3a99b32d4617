"""Every domain's assets, checks and jobs, the sensors and schedules that start them, and the
shared resources.

The code location (definitions.py) is this plus the jobs declared in `jobs/*.yaml`; the job
file validator resolves selections against this without loading the job files themselves.
A function, not a module-level Definitions: Dagster refuses a module that holds more than one.
"""

from dagster import Definitions

# Domain modules, not their Definitions objects (same reason as above).
from ml import definitions as ml
from platform_assets.catalog import definitions as catalog
from platform_assets.customers import definitions as customers
from platform_assets.events import definitions as events
from platform_assets.logins import definitions as logins
from platform_assets.marts import definitions as marts
from platform_assets.people import definitions as people
from platform_assets.serving import definitions as serving
from resources.postgres import PostgresResource
from resources.queue import LoginQueueResource
from resources.secrets import PiiKeysResource
from resources.storage import StorageResource
from sensors import ALL_SCHEDULES, ALL_SENSORS


def build_resources() -> dict:
    return {
        "storage": StorageResource(),
        "postgres": PostgresResource(),
        "pii_keys": PiiKeysResource(),
        "login_queue": LoginQueueResource(),
    }


def domain_definitions() -> Definitions:
    return Definitions.merge(
        events.events_defs,
        people.people_defs,
        logins.logins_defs,
        ml.iris_defs,
        customers.customers_defs,
        catalog.catalog_defs,
        serving.serving_defs,
        marts.marts_defs,
        Definitions(sensors=ALL_SENSORS, schedules=ALL_SCHEDULES, resources=build_resources()),
    )
