"""Customers (seed 003) as Definitions; resources come from platform_assets.domains."""

from dagster import AssetSelection, Definitions, define_asset_job

from platform_assets.customers.assets import customer_file
from platform_assets.customers.partitions import customer_files
from platform_assets.run_tags import INGEST_RUN_TAGS

# customer_files_sensor and customers_schedule (sensors/customers.py) start it by name.
customer_files_job = define_asset_job(
    "customer_files_job",
    selection=AssetSelection.assets(customer_file),
    partitions_def=customer_files,
    description="Back up, validate, clean and mask one landing customer file (one partition).",
    tags=INGEST_RUN_TAGS,
)

customers_defs = Definitions(assets=[customer_file], jobs=[customer_files_job])
