"""How dbt nodes become Dagster assets: keys, groups, kinds and automation.

- Sources keep the key their ``meta.dagster.asset_key`` names (events_lake, user_logins,
  person, gender, person_ip), so lineage runs landing -> lake/tables -> staging -> marts.
- Marts are keyed ``<team schema>/<table>`` (product/events_daily) and grouped by team.
- Staging models are keyed ``staging/<model>`` in the group ``marts_staging``.
- Marts and staging over the Postgres tables (unpartitioned) rebuild after their upstream
  tables change, by declarative automation; the event models are refreshed by date by
  marts_event_dates_sensor instead (sensors/marts.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dagster import AssetKey, AssetSpec, AutomationCondition
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtProject

STAGING_GROUP = "marts_staging"
EVENTS_TAG = "events"

# Rebuild once after any upstream change. Not eager(): an hourly parent always has missing
# partitions, and eager() waits for none to be missing.
REBUILD_AFTER_UPSTREAM = (
    (
        AutomationCondition.newly_missing()
        | AutomationCondition.any_deps_updated().since(AutomationCondition.newly_requested())
    )
    & ~AutomationCondition.any_deps_in_progress()
    & ~AutomationCondition.in_progress()
)


def is_mart(props: Mapping[str, Any]) -> bool:
    return (
        props.get("resource_type") == "model"
        and props.get("config", {}).get("materialized") == "published"
    )


class MartsTranslator(DagsterDbtTranslator):
    def __init__(self):
        super().__init__(DagsterDbtTranslatorSettings(enable_code_references=False))

    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None
    ) -> AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props["resource_type"] != "model":
            return spec
        name, schema = props["name"], props["schema"]
        event_model = EVENTS_TAG in props.get("tags", [])
        automation = None if event_model else REBUILD_AFTER_UPSTREAM
        if is_mart(props):
            return spec.replace_attributes(
                key=AssetKey([schema, name]),
                group_name=schema,
                kinds={"dbt", "duckdb", "postgres"},
                automation_condition=automation,
            ).merge_attributes(metadata={"postgres_table": f"{schema}.{name}"})
        return spec.replace_attributes(
            key=AssetKey(["staging", name]),
            group_name=STAGING_GROUP,
            kinds={"dbt", "duckdb"},
            automation_condition=automation,
        )
