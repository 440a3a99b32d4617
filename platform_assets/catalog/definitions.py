"""Everything the catalog contributes to the code location (resources live above)."""

from dagster import (
    AssetSelection,
    AutomationConditionSensorDefinition,
    DefaultSensorStatus,
    Definitions,
)

from platform_assets.catalog.assets import lake_catalog

# Dagster's default automation sensor starts STOPPED in 1.13; the catalog should follow the
# lake without anyone switching it on, so it gets its own sensor, running by default.
catalog_automation_sensor = AutomationConditionSensorDefinition(
    "catalog_automation_sensor",
    target=AssetSelection.assets(lake_catalog),
    default_status=DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description="Evaluates lake_catalog's automation condition: refresh after upstream updates.",
)

catalog_defs = Definitions(assets=[lake_catalog], sensors=[catalog_automation_sensor])
