"""Everything the logins domain adds to the code location (resources come from the top)."""

from dagster import Definitions, define_asset_job

from platform_assets.logins.assets import raw_logins, user_logins
from platform_assets.logins.partitions import login_arrival_hours
from platform_assets.run_tags import INGEST_RUN_TAGS

# Sensors (sensors/logins.py) start these by name.
drain_login_queue_job = define_asset_job(
    "drain_login_queue", selection=["raw_logins"], tags=INGEST_RUN_TAGS
)
load_user_logins_job = define_asset_job(
    "load_user_logins",
    selection=["user_logins", "quarantined_logins"],
    partitions_def=login_arrival_hours,
    tags=INGEST_RUN_TAGS,
)

logins_defs = Definitions(
    assets=[raw_logins, user_logins], jobs=[drain_login_queue_job, load_user_logins_job]
)
