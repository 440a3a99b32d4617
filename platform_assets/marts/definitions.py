"""Everything the marts domain contributes to the code location (resources live above)."""

from dagster import Definitions, define_asset_job

from platform_assets.marts.assets import event_marts, table_marts, team_access
from platform_assets.marts.checks import events_match_lake
from platform_assets.marts.project import dbt_resource
from platform_assets.run_tags import TRANSFORM_RUN_TAGS

# marts_event_dates_sensor (sensors/marts.py) starts it by name, one run per event date.
event_marts_job = define_asset_job(
    "event_marts_job",
    selection=[event_marts],
    partitions_def=event_marts.partitions_def,
    tags=TRANSFORM_RUN_TAGS,
    description="Rebuild the event marts (staging and product/engagement) for event dates.",
)

marts_defs = Definitions(
    assets=[event_marts, table_marts, team_access],
    asset_checks=[events_match_lake],
    jobs=[event_marts_job],
    resources={"dbt": dbt_resource()},
)
