"""The marts in the code location: lineage from the existing assets, a group per team, one
daily partitions definition with single-run backfills, dbt tests as checks."""

from dagster import AssetKey, DailyPartitionsDefinition
from dagster._core.definitions.backfill_policy import BackfillPolicyType

from platform_assets.marts.project import manifest_is_current, marts_project


def graph():
    from platform_assets.definitions import defs

    return defs.get_repository_def().asset_graph


def test_marts_are_grouped_per_team_on_top_of_the_existing_assets():
    g = graph()
    groups = {
        "product/events_daily": "product",
        "engagement/user_daily_activity": "engagement",
        "growth/daily_logins": "growth",
        "growth/app_versions": "growth",
        "trust/shared_devices": "trust",
        "crm/persons_by_gender": "crm",
    }
    for key, group in groups.items():
        assert g.get(AssetKey.from_user_string(key)).group_name == group
    assert g.get(AssetKey(["staging", "stg_events"])).parent_keys == {AssetKey("events_lake")}
    assert g.get(AssetKey(["staging", "stg_user_logins"])).parent_keys == {AssetKey("user_logins")}
    assert g.get(AssetKey(["staging", "stg_persons"])).parent_keys == {
        AssetKey("person"),
        AssetKey("gender"),
    }
    assert g.get(AssetKey(["product", "events_daily"])).parent_keys == {
        AssetKey(["staging", "stg_events"])
    }


def test_event_models_share_daily_partitions_and_backfill_in_one_run():
    g = graph()
    event_keys = ["staging/stg_events", "product/events_daily", "engagement/user_daily_activity"]
    definitions = {g.get(AssetKey.from_user_string(key)).partitions_def for key in event_keys}
    (daily,) = definitions
    assert (
        isinstance(daily, DailyPartitionsDefinition)
        and daily.get_first_partition_key() == "2025-01-01"
    )
    for key in event_keys:
        policy = g.get(AssetKey.from_user_string(key)).backfill_policy
        assert policy.policy_type == BackfillPolicyType.SINGLE_RUN
    assert g.get(AssetKey(["growth", "daily_logins"])).partitions_def is None


def test_every_mart_has_dbt_tests_as_checks():
    g = graph()
    for key in [
        "product/events_daily",
        "engagement/user_daily_activity",
        "growth/daily_logins",
        "growth/app_versions",
        "trust/shared_devices",
        "crm/persons_by_gender",
    ]:
        checks = {
            c.name for c in g.asset_check_keys if c.asset_key == AssetKey.from_user_string(key)
        }
        assert any(name.startswith("not_null") for name in checks), key
        assert any(name.startswith("unique") for name in checks), key


def test_the_manifest_is_prepared_and_kept_current(tmp_path):
    assert manifest_is_current(marts_project)
    model = next((marts_project.project_dir / "models").rglob("*.sql"))
    import os

    stat = model.stat()
    os.utime(model, (stat.st_atime, marts_project.manifest_path.stat().st_mtime + 10))
    try:
        assert not manifest_is_current(marts_project)  # a newer model: the code location re-parses
    finally:
        os.utime(model, (stat.st_atime, stat.st_mtime))
