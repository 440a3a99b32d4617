"""lake_catalog as Dagster sees it: in the code location, its metadata, and when automation
requests it (Dagster's own evaluator against a real instance)."""

import threading

import dagster as dg
import duckdb

from platform_assets.catalog.assets import UPSTREAM, lake_catalog
from resources.storage import StorageResource

CATALOG = dg.AssetKey("lake_catalog")


def test_code_location_has_the_catalog_its_upstreams_and_a_running_sensor():
    from platform_assets.definitions import defs

    repository = defs.get_repository_def()
    graph = repository.asset_graph
    node = graph.get(CATALOG)
    assert node.group_name == "catalog" and "duckdb" in node.kinds
    assert {k.to_user_string() for k in node.parent_keys} == set(UPSTREAM)
    # Every upstream is a real asset of some domain, not a placeholder for a missing key.
    assert all(not graph.get(dg.AssetKey(key)).is_external for key in UPSTREAM)
    sensor = repository.get_sensor_def("catalog_automation_sensor")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert sensor.asset_selection.resolve(graph) == {CATALOG}


def test_materializing_reports_views_and_columns(lake, tmp_path, monkeypatch):
    monkeypatch.setenv("SLUICE_CATALOG_PATH", str(tmp_path / "catalog" / "lake.duckdb"))
    result = dg.materialize(
        [lake_catalog], resources={"storage": lake}, instance=dg.DagsterInstance.ephemeral()
    )
    assert result.success
    metadata = result.asset_materializations_for_node("lake_catalog")[0].metadata
    with duckdb.connect(str(tmp_path / "catalog" / "lake.duckdb"), read_only=True) as con:
        views = con.execute("SELECT count(*) FROM duckdb_views() WHERE NOT internal").fetchone()[0]
    assert metadata["views"].value == views
    assert metadata["event_types"].value == metadata["event_type_views"].value > 5
    assert metadata["quarantine_views"].value == 3
    tables = metadata["tables"].value
    assert "| events_order_paid | event_type | order.paid | 2 |" in tables
    assert "customer STRUCT(id BIGINT, tier VARCHAR)" in tables
    columns = {c.name: c.type for c in metadata["customers_schema"].schema.columns}
    assert columns["phone_masked"] == "VARCHAR" and columns["is_future"] == "BOOLEAN"


def _tick(defs, instance, cursor=None):
    return dg.evaluate_automation_conditions(
        defs=defs,
        instance=instance,
        asset_selection=dg.AssetSelection.assets(CATALOG),
        cursor=cursor,
    )


def test_requested_when_missing_and_after_an_upstream_partition_updates():
    from platform_assets.definitions import defs

    instance = dg.DagsterInstance.ephemeral()
    first = _tick(defs, instance)
    assert first.get_num_requested(CATALOG) == 1  # no catalog yet
    instance.report_runless_asset_event(dg.AssetMaterialization(CATALOG))
    quiet = _tick(defs, instance, first.cursor)
    assert quiet.total_requested == 0

    instance.report_runless_asset_event(
        dg.AssetMaterialization("events_lake", partition="2025-01-01-03:00")
    )
    instance.report_runless_asset_event(
        dg.AssetMaterialization("events_lake", partition="2025-01-01-04:00")
    )
    after = _tick(defs, instance, quiet.cursor)
    assert after.get_num_requested(CATALOG) == 1  # one refresh for both hours
    assert _tick(defs, instance, after.cursor).total_requested == 0


def test_an_upstream_update_during_the_catalog_run_is_not_forgotten():
    from platform_assets.definitions import defs

    instance = dg.DagsterInstance.ephemeral()
    requested = _tick(defs, instance)
    assert requested.get_num_requested(CATALOG) == 1
    # Between this tick and the next: an hour is ingested while the catalog run (which listed
    # the lake before that) is still going; the catalog run then finishes.
    instance.report_runless_asset_event(
        dg.AssetMaterialization("events_lake", partition="2025-01-01-05:00")
    )
    instance.report_runless_asset_event(dg.AssetMaterialization(CATALOG))
    again = _tick(defs, instance, requested.cursor)
    assert again.get_num_requested(CATALOG) == 1
    assert _tick(defs, instance, again.cursor).total_requested == 0


def test_waits_while_an_upstream_run_is_in_progress(dagster_home, tmp_path):
    # A real run of an hourly stand-in for events_lake, held open until the test lets it finish.
    gate, started = threading.Event(), threading.Event()

    @dg.asset(key="events_lake", partitions_def=dg.HourlyPartitionsDefinition("2025-01-01-00:00"))
    def events_lake_stand_in():
        started.set()
        assert gate.wait(30)

    defs = dg.Definitions(
        assets=[events_lake_stand_in, lake_catalog],
        resources={"storage": StorageResource(url=str(tmp_path))},
    )
    instance = dg.DagsterInstance.get()
    result = _tick(defs, instance)
    instance.report_runless_asset_event(dg.AssetMaterialization(CATALOG))
    result = _tick(defs, instance, result.cursor)
    assert result.total_requested == 0

    # One hour done, the next one still running (as in a backfill): no refresh yet.
    instance.report_runless_asset_event(
        dg.AssetMaterialization("events_lake", partition="2025-01-01-03:00")
    )
    run = threading.Thread(
        target=dg.materialize,
        args=([events_lake_stand_in],),
        kwargs={"partition_key": "2025-01-01-04:00", "instance": instance},
    )
    run.start()
    try:
        assert started.wait(30)
        result = _tick(defs, instance, result.cursor)
        assert result.total_requested == 0
    finally:
        gate.set()
        run.join(30)
    result = _tick(defs, instance, result.cursor)
    assert result.get_num_requested(CATALOG) == 1
