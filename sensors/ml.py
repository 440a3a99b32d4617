"""iris_automation_sensor: evaluates the Iris assets' automation conditions (ml/assets.py).

Declared RUNNING (Dagster's default automation sensor starts stopped), so ``make dev``
automates the model without a click: a weekly pull, a retrain when the data changes.
"""

from dagster import AutomationConditionSensorDefinition, DefaultSensorStatus

iris_automation_sensor = AutomationConditionSensorDefinition(
    "iris_automation_sensor",
    target=["iris_dataset", "iris_model"],
    default_status=DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=60,
    description=(
        "Evaluates the Iris assets' automation conditions: weekly pull, retrain on new data."
    ),
)
