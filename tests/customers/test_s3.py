"""Customer files in S3 (moto's server over real HTTP): the real CLI and a sensor-driven run."""

import os

import pytest
from dagster import AssetKey, DagsterInstance, Definitions, build_sensor_context, instance_for_test

from platform_assets.customers.definitions import customers_defs
from resources.storage import PROJECT_ROOT, StorageResource
from sensors.customers import customer_files_sensor
from tests.customers.customer_files import DIRTY_EXPECTED, read_csv_rows, samples
from tests.customers.runs import emails_in, keys, materialization_metadata, read_parquet, run_file
from tests.fixtures.dagster_cli import materialize

pytestmark = pytest.mark.s3

ASSETS = "customers_backup,customers_clean,customers_parquet,quarantined_customers"


@pytest.fixture
def s3_storage(s3_bucket, moto_endpoint):
    return StorageResource(url=f"s3://{s3_bucket}/sluice", s3_endpoint_url=moto_endpoint)


def test_cli_materializes_a_dirty_file_from_s3(
    dagster_home, s3_storage, moto_endpoint, sample_data
):
    data = samples(sample_data)["customers_dirty.csv"]
    s3_storage.put_bytes("landing/customers/customers_dirty.csv", data)
    with DagsterInstance.get() as instance:
        instance.add_dynamic_partitions("customer_files", ["customers_dirty.csv"])

    env = {
        **os.environ,
        "DAGSTER_HOME": str(dagster_home),
        "SLUICE_STORAGE_URL": s3_storage.url,
        "SLUICE_S3_ENDPOINT_URL": moto_endpoint,
    }
    materialize(
        env,
        ASSETS,
        "--partition",
        "customers_dirty.csv",
        # In-process: one run without a step subprocess (~4 s less; what a CLI user would run).
        "--config-json",
        '{"execution": {"config": {"in_process": {}}}}',
        cwd=PROJECT_ROOT,
        timeout=120,
    )

    with DagsterInstance.get() as instance:
        record = instance.fetch_materializations(AssetKey("customers_clean"), limit=1).records[0]
        meta = {k: v.value for k, v in record.asset_materialization.metadata.items()}
    assert record.asset_materialization.partition == "customers_dirty.csv"
    vocabulary = {"rows_in": "records_read", "rows_out": "valid", "rows_dropped": "quarantined",
                  "rows_dropped_by_reason": "quarantined_by_reason"}  # fmt: skip
    for key, value in DIRTY_EXPECTED.items():
        assert meta[vocabulary.get(key, key)] == value, key
    assert meta["dagster/uri"].startswith("s3://")
    assert meta["future_rows_shell"] == 2 and meta["size_bytes"] == len(data)

    (backup_key,) = keys(s3_storage, "backup/customers/")
    assert s3_storage.read_bytes(backup_key) == data
    assert (
        len(
            read_csv_rows(
                s3_storage.read_bytes("curated/customers/customers_csv/customers_dirty.csv")
            )
        )
        == 106
    )
    table = read_parquet(s3_storage, "curated/customers/customers_parquet/customers_dirty.parquet")
    assert table.num_rows == 106 and "email" not in table.column_names
    assert all(n == "hu25" or n.startswith("hu25 ") for n in table.column("name").to_pylist())
    cells = [str(v) for row in table.to_pylist() for v in row.values() if v is not None]
    assert not [c for c in cells if any(e in c for e in emails_in(data))]
    quarantine = read_parquet(
        s3_storage, "quarantine/customers/customers_dirty.csv/rejected_rows.parquet"
    )
    assert quarantine.num_rows == DIRTY_EXPECTED["rows_dropped"]


def test_sensor_lists_s3_and_the_requested_file_runs(s3_storage, sample_data):
    files = samples(sample_data)
    s3_storage.put_bytes("landing/customers/customers_002.csv", files["customers_002.csv"])
    s3_storage.put_bytes(
        "landing/customers/customers_missing_email.csv", files["customers_missing_email.csv"]
    )
    repo = Definitions.merge(
        customers_defs, Definitions(resources={"storage": s3_storage})
    ).get_repository_def()
    with instance_for_test() as instance:
        with build_sensor_context(
            instance=instance,
            instance_ref=instance.get_ref(),
            repository_def=repo,
            resources={"storage": s3_storage},
        ) as context:
            tick = customer_files_sensor.evaluate_tick(context)
        assert [r.partition_key for r in tick.run_requests] == [
            "customers_002.csv",
            "customers_missing_email.csv",
        ]
        good = run_file(instance, s3_storage, "customers_002.csv")
        bad = run_file(instance, s3_storage, "customers_missing_email.csv", raise_on_error=False)

    meta = materialization_metadata(good)
    assert meta["customers_clean"]["valid"] == 100
    assert meta["customers_clean"]["columns"][-1] == "Account_Status"
    assert not bad.success
    assert (
        s3_storage.read_bytes(
            "quarantine/customers/customers_missing_email.csv/customers_missing_email.csv"
        )
        == files["customers_missing_email.csv"]
    )
    assert sorted(keys(s3_storage, "curated/")) == [
        "curated/customers/customers_csv/customers_002.csv",
        "curated/customers/customers_parquet/customers_002.parquet",
    ]
    assert len(keys(s3_storage, "backup/customers/")) == 2
