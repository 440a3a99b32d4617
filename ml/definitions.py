"""The Iris model (seed 003, question 4) as Definitions; resources come from the code location."""

from dagster import Definitions

from ml.assets import iris_dataset, iris_model
from ml.automation import iris_automation_sensor

iris_defs = Definitions(assets=[iris_dataset, iris_model], sensors=[iris_automation_sensor])
