"""Everything the events domain contributes to the code location (resources live above)."""

from dagster import Definitions, define_asset_job

from platform_assets.events.assets import ingest_events, raw_events
from platform_assets.run_tags import INGEST_RUN_TAGS

# raw_events_sensor (sensors/events.py) starts it by name.
ingest_events_job = define_asset_job(
    "ingest_events_job",
    selection=["events_lake", "quarantined_events"],
    partitions_def=ingest_events.partitions_def,
    description="Ingest arrival hours of landing event files into the lake and quarantine.",
    tags=INGEST_RUN_TAGS,
)

events_defs = Definitions(assets=[raw_events, ingest_events], jobs=[ingest_events_job])
