"""The issue's "done when": the real CLI against a real instance, then the prediction command."""

import os
import subprocess
import sys

from dagster import (
    AssetCheckKey,
    AssetKey,
    DagsterEventType,
    DagsterInstance,
    EventRecordsFilter,
)

from ml import registry
from ml.predict import predict
from resources.storage import StorageResource
from tests.ml.conftest import shuffled_labels
from tools.dagster_cli import materialize_command

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MATERIALIZE = materialize_command("iris_dataset,iris_model")


def run(command, env) -> subprocess.CompletedProcess:
    return subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_materialize_from_the_cli_then_predict(dagster_home, tmp_path, iris_csv):
    storage = StorageResource(url=str(tmp_path / "storage"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")}
    env.update(DAGSTER_HOME=str(dagster_home), SLUICE_STORAGE_URL=storage.url)

    done = run(MATERIALIZE, env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    instance = DagsterInstance.get()
    event = instance.get_latest_materialization_event(AssetKey("iris_model"))
    model = {k: v.value for k, v in event.asset_materialization.metadata.items()}
    assert model["accuracy"] >= 0.9 and model["promoted"] is True
    promoted = registry.latest_version(storage)
    assert promoted == model["version"]

    answer = run([sys.executable, "-m", "ml.predict", "5.1", "3.5", "1.4", "0.2"], env)
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.splitlines()[0] == "setosa"
    assert f"model {promoted}" in answer.stdout

    # A dataset a model cannot learn: the run fails on the blocking check, LATEST stays.
    broken = tmp_path / "shuffled.csv"
    broken.write_bytes(shuffled_labels(iris_csv.read_bytes()))
    failed = run(MATERIALIZE, {**env, "SLUICE_IRIS_SOURCE": str(broken)})
    assert failed.returncode != 0
    assert "blocking asset check failed" in failed.stdout + failed.stderr
    records = instance.event_log_storage.get_event_records(
        EventRecordsFilter(event_type=DagsterEventType.ASSET_CHECK_EVALUATION), ascending=True
    )
    evaluations = [r.event_log_entry.dagster_event.event_specific_data for r in records]
    check = AssetCheckKey(AssetKey("iris_model"), "iris_model_accuracy")
    assert [e.passed for e in evaluations if e.asset_check_key == check] == [True, False]
    assert registry.latest_version(storage) == promoted
    assert predict(storage, [5.1, 3.5, 1.4, 0.2])["model_version"] == promoted
