"""When the Iris assets run on their own (declarative automation).

- ``iris_dataset`` is pulled again every Monday at 03:00 UTC (the source may have changed).
- ``iris_model`` retrains when the dataset's *data version* (its sha256) changes, so a re-pull
  of identical bytes does not retrain, and on the same weekly cron after the dataset has been
  pulled (in the same run when both are due). Like ``eager()``, it also trains a missing model
  once the dataset exists, and waits while the dataset is missing or running.

sensors/ml.py holds the sensor that evaluates them.
"""

from dagster import AutomationCondition

WEEKLY_CRON = "0 3 * * 1"
CRON_TIMEZONE = "UTC"

weekly = AutomationCondition.on_cron(WEEKLY_CRON, CRON_TIMEZONE)

dataset_changed = AutomationCondition.any_deps_match(
    AutomationCondition.data_version_changed()
).with_label("dataset_data_version_changed")

DATASET_AUTOMATION = weekly
MODEL_AUTOMATION = AutomationCondition.eager().replace("any_deps_updated", dataset_changed) | weekly
