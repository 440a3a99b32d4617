"""The code location: every asset, check, sensor, job and resource of Sluice.

Load it with ``dagster dev -m platform_assets.definitions`` (attribute ``defs``).
Resources read their settings from SLUICE_* environment variables when first used, so
the same definitions run on embedded defaults, against moto in tests, or on AWS.
"""

from dagster import Definitions

# Domain modules, not their Definitions objects: Dagster refuses a module that holds more
# than one Definitions object at module scope.
from platform_assets.events import definitions as events
from platform_assets.logins import definitions as logins
from platform_assets.people import definitions as people
from resources.postgres import PostgresResource
from resources.queue import LoginQueueResource
from resources.secrets import PiiKeysResource
from resources.storage import StorageResource


def build_resources() -> dict:
    return {
        "storage": StorageResource(),
        "postgres": PostgresResource(),
        "pii_keys": PiiKeysResource(),
        "login_queue": LoginQueueResource(),
    }


defs = Definitions.merge(
    events.events_defs,
    people.people_defs,
    logins.logins_defs,
    Definitions(resources=build_resources()),
)
