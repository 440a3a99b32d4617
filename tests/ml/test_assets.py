"""The two assets materialized in process against real storage (local directory and moto S3)."""

import json
import os

import pyarrow.parquet as pq
import pytest
from dagster import AssetKey, DagsterInstance, materialize

from ml import registry
from ml.assets import ACCURACY_CHECK, MIN_ACCURACY, iris_dataset, iris_model
from ml.dataset import SHIPPED_DATASET
from ml.predict import predict
from resources.storage import StorageResource
from tests.ingest_metadata_checks import assert_ingest_metadata
from tests.ml.conftest import shuffled_labels

DIRTY_ROWS = b"abc,3.0,1.0,0.2,setosa\n5.0,3.0,-1.4,0.2,tulip\n"


def run(storage, source=None, instance=None, selection=None):
    config = {"ops": {"iris_dataset": {"config": {"source": source}}}} if source else None
    return materialize(
        [iris_dataset, iris_model],
        selection=selection,
        resources={"storage": storage},
        run_config=config,
        instance=instance or DagsterInstance.ephemeral(),
        raise_on_error=False,
    )


def metadata(result, key: str) -> dict:
    [event] = [e for e in result.get_asset_materialization_events() if e.asset_key == AssetKey(key)]
    return {k: v.value for k, v in event.materialization.metadata.items()}


def accuracy_check(result):
    [evaluation] = [
        e for e in result.get_asset_check_evaluations() if e.check_name == ACCURACY_CHECK
    ]
    return evaluation


def failure_messages(result) -> str:
    return "\n".join(
        e.step_failure_data.error.message for e in result.all_events if e.is_step_failure
    )


def test_http_pull_is_stored_by_hash_then_trained_versioned_and_promoted(
    storage, files, http_root, iris_csv
):
    (files / "iris.csv").write_bytes(iris_csv.read_bytes())
    result = run(storage, f"{http_root}/iris.csv")
    assert result.success, failure_messages(result)

    dataset = metadata(result, "iris_dataset")
    assert dataset["source"] == f"{http_root}/iris.csv"
    assert dataset["path"] == f"datasets/iris/{dataset['sha256']}.csv"
    assert storage.read_bytes(dataset["path"]) == iris_csv.read_bytes()
    assert registry.current_dataset_sha(storage) == dataset["sha256"]
    assert (dataset["records_read"], dataset["valid"], dataset["quarantined"]) == (150, 149, 1)
    assert_ingest_metadata(dataset, row_count=149)
    assert dataset["dagster/uri"] == storage.uri(dataset["path"])
    assert dataset["bytes_written"] == len(iris_csv.read_bytes()) + len(
        storage.read_bytes(dataset["quarantine_path"])
    )

    model = metadata(result, "iris_model")
    version = model["version"]
    assert model["accuracy"] >= MIN_ACCURACY and model["promoted"] is True
    assert {"macro_f1", "cv_accuracy_mean"} <= model.keys()
    assert "| **setosa** | 13 | 0 | 0 |" in model["confusion_matrix"]
    assert registry.latest_version(storage) == version == model["latest"]
    stored = registry.read_metrics(storage, version)
    assert stored["dataset_sha256"] == dataset["sha256"] and stored["accuracy"] == model["accuracy"]
    assert storage.exists(f"models/iris/{version}/model.joblib")
    assert accuracy_check(result).passed


def test_default_source_is_the_shipped_copy(storage):
    result = run(storage)
    assert result.success, failure_messages(result)
    assert metadata(result, "iris_dataset")["source"] == str(SHIPPED_DATASET)


def test_env_var_source_and_dirty_rows_quarantined_with_reasons(
    storage, tmp_path, iris_csv, monkeypatch
):
    dirty = tmp_path / "dirty.csv"
    dirty.write_bytes(iris_csv.read_bytes() + DIRTY_ROWS)
    monkeypatch.setenv("SLUICE_IRIS_SOURCE", str(dirty))
    result = run(storage)
    assert result.success, failure_messages(result)

    dataset = metadata(result, "iris_dataset")
    assert dataset["source"] == str(dirty)
    assert dataset["quarantined"] == 3
    assert dataset["quarantined_by_reason"] == {
        "duplicate_row": 1,
        "not_a_number:sepal_length": 1,
        "not_positive:petal_length": 1,
        "unknown_species": 1,
    }
    table = pq.read_table(storage.uri(dataset["quarantine_path"])).to_pylist()
    assert [(r["line"], r["reasons"]) for r in table] == [
        (144, ["duplicate_row"]),
        (152, ["not_a_number:sepal_length"]),
        (153, ["not_positive:petal_length", "unknown_species"]),
    ]
    assert json.loads(table[2]["raw_record"])["species"] == "tulip"
    assert {r["dataset_sha256"] for r in table} == {dataset["sha256"]}


def test_wrong_columns_fail_clearly_and_quarantine_every_row(storage, tmp_path):
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("a,b,c\n1,2,3\n")
    result = run(storage, str(wrong))
    assert not result.success
    assert f"{wrong}: wrong columns: missing sepal_length" in failure_messages(result)
    assert registry.current_dataset_sha(storage) is None
    [quarantined] = list(storage.list_objects("quarantine/iris/"))
    assert pq.read_table(storage.uri(quarantined.key)).column("reasons").to_pylist() == [
        ["missing_column:sepal_length"]
    ]


def test_network_error_fails_with_a_clear_message(storage, closed_port_url):
    result = run(storage, closed_port_url)
    assert not result.success
    assert f"cannot download the iris dataset from {closed_port_url}" in failure_messages(result)
    assert list(storage.list_objects("")) == []


def test_model_without_a_dataset_says_what_to_do(storage):
    result = run(storage, selection=[iris_model])
    assert not result.success
    assert "materialize iris_dataset first" in failure_messages(result)


def test_shuffled_labels_fail_the_blocking_check_and_leave_latest(storage, tmp_path, iris_csv):
    instance = DagsterInstance.ephemeral()
    good = run(storage, str(iris_csv), instance)
    assert good.success, failure_messages(good)
    promoted = registry.latest_version(storage)

    broken = tmp_path / "shuffled.csv"
    broken.write_bytes(shuffled_labels(iris_csv.read_bytes()))
    result = run(storage, str(broken), instance)

    assert not result.success  # a failed blocking check fails the step, so the run
    assert "blocking asset check failed" in failure_messages(result)
    check = accuracy_check(result)
    assert not check.passed and check.metadata["accuracy"].value < MIN_ACCURACY
    model = metadata(result, "iris_model")
    assert model["promoted"] is False and model["version"] != promoted
    assert registry.latest_version(storage) == promoted  # LATEST did not move
    # The rejected candidate is kept (immutable, for inspection), just never promoted.
    assert registry.read_metrics(storage, model["version"])["accuracy"] < MIN_ACCURACY
    assert predict(storage, [5.1, 3.5, 1.4, 0.2])["model_version"] == promoted


def test_unchanged_data_and_code_give_the_same_version_and_keep_the_artifact(storage, iris_csv):
    first = run(storage, str(iris_csv))
    version = metadata(first, "iris_model")["version"]
    path = storage.uri(registry.model_key(version))
    before = (os.stat(path).st_mtime_ns, open(path, "rb").read())

    second = run(storage, str(iris_csv))
    assert second.success, failure_messages(second)
    again = metadata(second, "iris_model")
    assert again["version"] == version
    assert again["artifact"] == "reused (immutable)"
    assert (os.stat(path).st_mtime_ns, open(path, "rb").read()) == before
    assert {o.key for o in storage.list_objects("models/iris/")} == {
        "models/iris/LATEST",
        f"models/iris/{version}/metrics.json",
        f"models/iris/{version}/model.joblib",
    }


@pytest.mark.s3
def test_on_s3_train_and_predict(moto_endpoint, s3_bucket):
    storage = StorageResource(url=f"s3://{s3_bucket}/platform", s3_endpoint_url=moto_endpoint)
    result = run(storage)
    assert result.success, failure_messages(result)
    version = metadata(result, "iris_model")["version"]
    assert registry.latest_version(storage) == version
    answer = predict(storage, [6.3, 3.3, 6.0, 2.5])
    assert answer["species"] == "virginica" and answer["model_version"] == version
