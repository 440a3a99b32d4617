"""Persons (seed 000) as Definitions; resources come from platform_assets.definitions."""

from dagster import Definitions

from platform_assets.people.assets import person_file
from platform_assets.people.checks import person_emails_normalised
from platform_assets.people.sensors import person_file_job, person_files_sensor

people_defs = Definitions(
    assets=[person_file],
    asset_checks=[person_emails_normalised],
    sensors=[person_files_sensor],
    jobs=[person_file_job],
)
