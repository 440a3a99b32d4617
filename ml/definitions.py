"""The Iris model (seed 003, question 4) as Definitions; resources come from the code location."""

from dagster import Definitions

from ml.assets import iris_dataset, iris_model

iris_defs = Definitions(assets=[iris_dataset, iris_model])
