"""Persons (seed 000) as Definitions; resources come from platform_assets.definitions."""

from dagster import AssetSelection, Definitions, define_asset_job

from platform_assets.people.assets import person_file
from platform_assets.people.checks import person_emails_normalised
from platform_assets.people.partitions import person_files
from platform_assets.run_tags import INGEST_RUN_TAGS

# person_files_sensor (sensors/people.py) starts it by name.
person_file_job = define_asset_job(
    "person_file_job",
    selection=AssetSelection.assets(person_file),
    partitions_def=person_files,
    description="Load one landing person file (one person_files partition) into Postgres.",
    tags=INGEST_RUN_TAGS,
)

people_defs = Definitions(
    assets=[person_file], asset_checks=[person_emails_normalised], jobs=[person_file_job]
)
