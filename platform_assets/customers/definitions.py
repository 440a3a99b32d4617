"""Customers (seed 003) as Definitions; resources come from platform_assets.domains."""

from dagster import Definitions

from platform_assets.customers.assets import customer_file
from platform_assets.customers.schedules import customers_schedule
from platform_assets.customers.sensors import customer_files_job, customer_files_sensor

customers_defs = Definitions(
    assets=[customer_file],
    sensors=[customer_files_sensor],
    schedules=[customers_schedule],
    jobs=[customer_files_job],
)
