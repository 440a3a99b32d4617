"""Everything the serving domain contributes to the code location (the API runs apart)."""

from dagster import Definitions, define_asset_job

from platform_assets.run_tags import TRANSFORM_RUN_TAGS
from platform_assets.serving.assets import events_by_user

# events_by_user_sensor (sensors/serving.py) starts it by name.
events_by_user_job = define_asset_job(
    "events_by_user_job",
    selection=["events_by_user"],
    partitions_def=events_by_user.partitions_def,
    tags=TRANSFORM_RUN_TAGS,
    description="Rewrite event dates of the user-keyed copy of the lake.",
)

serving_defs = Definitions(assets=[events_by_user], jobs=[events_by_user_job])
