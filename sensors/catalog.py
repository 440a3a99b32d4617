"""catalog_automation_sensor: refreshes lake_catalog after its upstream assets change.

Dagster's default automation sensor starts STOPPED in 1.13; the catalog should follow the
lake without anyone switching it on, so it gets its own sensor, running by default.
"""

from dagster import AutomationConditionSensorDefinition, DefaultSensorStatus

catalog_automation_sensor = AutomationConditionSensorDefinition(
    "catalog_automation_sensor",
    target=["lake_catalog"],
    default_status=DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description="Evaluates lake_catalog's automation condition: refresh after upstream updates.",
)
