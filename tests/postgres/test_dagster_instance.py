"""Dagster's instance storage on Postgres (dagster-postgres), as `make dev` runs it."""

import psycopg
from dagster import DagsterInstance, materialize

from platform_assets.people.assets import person_file
from resources.storage import StorageResource
from tests.people.person_files import dirty_file
from tools.dagster_home import render_dagster_yaml, write_dagster_home


def test_rendered_yaml_uses_psycopg2_url():
    text = render_dagster_yaml("postgresql://postgres@127.0.0.1:5432/dagster")
    assert 'postgres_url: "postgresql+psycopg2://postgres@127.0.0.1:5432/dagster"' in text


def test_materialize_through_postgres_backed_instance(
    tmp_path, monkeypatch, postgres_database_factory, postgres, clean_postgres
):
    dagster_db = postgres_database_factory("sluice_dagster")
    home = tmp_path / "dagster_home"
    write_dagster_home(home, dagster_db)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    storage = StorageResource(url=str(tmp_path / "storage"))
    storage.put_bytes("landing/persons/dirty.csv", dirty_file())

    with DagsterInstance.get() as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        instance.add_dynamic_partitions("person_files", ["dirty.csv"])
        result = materialize(
            [person_file],
            partition_key="dirty.csv",
            instance=instance,
            resources={"storage": storage, "postgres": postgres},
        )
        assert result.success
        record = instance.get_latest_materialization_event(
            person_file.keys_by_output_name["person"]
        )
        assert record.asset_materialization.partition == "dirty.csv"

    # The run and its events live in the dagster database, next to (not in) the app's.
    with psycopg.connect(dagster_db) as conn:
        assert conn.execute("select count(*) from runs").fetchone()[0] == 1
        assert (
            conn.execute(
                "select count(*) from event_logs where dagster_event_type = 'ASSET_MATERIALIZATION'"
            ).fetchone()[0]
            == 4
        )
    with postgres.connection() as conn:
        assert conn.execute("select count(*) from person").fetchone()[0] == 5
