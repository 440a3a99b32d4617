"""The dbt models as Dagster assets: event models by event date, the others unpartitioned.

Each run is one ``dbt build`` (models, then their dbt tests as asset checks) in an in-memory
DuckDB; the marts are published into Postgres by the ``published`` materialization (see
dbt/macros/published.sql). Staging models live only in the run's DuckDB, so a run that
selects a mart without its staging model builds that staging model too, without reporting
it as materialized.
"""

import json
from collections.abc import Iterator

from dagster import (
    AssetExecutionContext,
    AutomationCondition,
    BackfillPolicy,
    MaterializeResult,
    MetadataValue,
    Output,
    asset,
)
from dagster_dbt import DbtCliResource, dbt_assets

from platform_assets.marts.dbt_environment import dbt_environment
from platform_assets.marts.partitions import event_dates
from platform_assets.marts.project import marts_project
from platform_assets.marts.teams import apply_team_access, load_teams, teams_file_version
from platform_assets.marts.translator import EVENTS_TAG, MartsTranslator
from resources.postgres import PostgresResource
from resources.storage import StorageResource

LAKE_EVENTS_PREFIX = "lake/events"  # the storage contract's lake root
translator = MartsTranslator()


def _staging_parents_to_build(context: AssetExecutionContext) -> list[str]:
    """Staging models the selected models read but the run did not select."""
    manifest = json.loads(marts_project.manifest_path.read_text())
    selected = context.selected_asset_keys
    nodes = manifest["nodes"]
    keys = {
        unique_id: translator.get_asset_spec(manifest, unique_id, marts_project).key
        for unique_id, node in nodes.items()
        if node["resource_type"] == "model"
    }
    parents = set()
    for unique_id, key in keys.items():
        if key not in selected:
            continue
        for parent in nodes[unique_id]["depends_on"]["nodes"]:
            if (
                parent in keys
                and keys[parent] not in selected
                and keys[parent].path[0] == "staging"
            ):
                parents.add(nodes[parent]["name"])
    return sorted(parents)


def build_models(
    context: AssetExecutionContext,
    dbt: DbtCliResource,
    storage: StorageResource,
    postgres: PostgresResource,
    dbt_vars: dict,
) -> Iterator:
    """``dbt build`` of the selected models; yields their materializations and check results."""
    args = ["build", "--vars", json.dumps(dbt_vars)]
    extra = _staging_parents_to_build(context)
    if extra:
        # dbt unions repeated --select flags with the selection dagster-dbt adds.
        args += ["--select", " ".join(extra)]
    with dbt_environment(storage, postgres):
        invocation = dbt.cli(args, context=context)
    selected_outputs = set(context.selected_output_names)
    for event in invocation.stream():
        if isinstance(event, Output) and event.output_name not in selected_outputs:
            continue  # a staging model built only for this run's marts
        yield event


@dbt_assets(
    manifest=marts_project.manifest_path,
    project=marts_project,
    select=f"tag:{EVENTS_TAG}",
    partitions_def=event_dates,
    backfill_policy=BackfillPolicy.single_run(),
    dagster_dbt_translator=translator,
    name="event_marts",
)
def event_marts(
    context: AssetExecutionContext,
    dbt: DbtCliResource,
    storage: StorageResource,
    postgres: PostgresResource,
):
    """The event models for a range of event dates, in one dbt build: each mart's rows of
    exactly those dates are replaced (one Postgres transaction per mart)."""
    window = context.partition_time_window
    dbt_vars = {
        "lake_uri": storage.uri(LAKE_EVENTS_PREFIX).rstrip("/"),
        "min_date": window.start.date().isoformat(),
        "max_date": window.end.date().isoformat(),
    }
    yield from build_models(context, dbt, storage, postgres, dbt_vars)


@dbt_assets(
    manifest=marts_project.manifest_path,
    project=marts_project,
    exclude=f"tag:{EVENTS_TAG}",
    dagster_dbt_translator=translator,
    name="table_marts",
)
def table_marts(
    context: AssetExecutionContext,
    dbt: DbtCliResource,
    storage: StorageResource,
    postgres: PostgresResource,
):
    """The marts over the Postgres tables (logins, persons): each rebuilt whole, replaced in
    one Postgres transaction."""
    yield from build_models(context, dbt, storage, postgres, {})


@asset(
    name="team_access",
    group_name="teams",
    kinds={"postgres"},
    code_version=teams_file_version(),
    automation_condition=AutomationCondition.newly_missing()
    | AutomationCondition.code_version_changed(),
    description=(
        "Applies dbt/teams.yaml to Postgres: one NOLOGIN role per team (sluice_team_<team>) with "
        "USAGE and SELECT on its own schemas (current and future tables) and nothing else; a team "
        "removed from the file loses every grant. Grant the role to a team's login users."
    ),
)
def team_access(context: AssetExecutionContext, postgres: PostgresResource) -> MaterializeResult:
    access = apply_team_access(postgres.resolved_url, load_teams())
    for role, schemas in access.items():
        context.log.info(
            f"{role}: {', '.join(schemas) if schemas else 'no access (removed from the file)'}"
        )
    return MaterializeResult(
        metadata={
            "teams": len([schemas for schemas in access.values() if schemas]),
            "roles_revoked": [role for role, schemas in access.items() if not schemas],
            "access": MetadataValue.json(access),
        }
    )
