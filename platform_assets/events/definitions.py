"""Everything the events domain contributes to the code location (resources live above)."""

from dagster import Definitions, define_asset_job

from platform_assets.events.assets import ingest_events, raw_events
from platform_assets.events.date_rollup_asset import events_rollups_by_date
from platform_assets.run_tags import INGEST_RUN_TAGS, TRANSFORM_RUN_TAGS

# raw_events_sensor (sensors/events.py) starts it by name.
ingest_events_job = define_asset_job(
    "ingest_events_job",
    selection=["events_lake", "quarantined_events"],
    partitions_def=ingest_events.partitions_def,
    description="Ingest arrival hours of landing event files into the lake and quarantine.",
    tags=INGEST_RUN_TAGS,
)

# events_rollups_by_date_sensor (sensors/events.py) starts it by name, one run per date.
events_rollups_by_date_job = define_asset_job(
    "events_rollups_by_date_job",
    selection=["events_rollups_by_date"],
    partitions_def=events_rollups_by_date.partitions_def,
    description="Compact event dates' per-arrival-hour rollups into one rollup per date.",
    tags=TRANSFORM_RUN_TAGS,
)

events_defs = Definitions(
    assets=[raw_events, ingest_events, events_rollups_by_date],
    jobs=[ingest_events_job, events_rollups_by_date_job],
)
