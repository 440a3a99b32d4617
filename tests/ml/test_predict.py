"""The prediction command: reads LATEST through the storage resource."""

import json

import pytest
from dagster import DagsterInstance, materialize

from ml.assets import iris_dataset, iris_model
from ml.predict import main


@pytest.fixture
def trained(storage, monkeypatch):
    result = materialize(
        [iris_dataset, iris_model],
        resources={"storage": storage},
        instance=DagsterInstance.ephemeral(),
    )
    monkeypatch.setenv("SLUICE_STORAGE_URL", storage.url)
    return result


def test_prints_species_and_probabilities(trained, capsys):
    assert main(["5.1", "3.5", "1.4", "0.2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "setosa"
    probabilities = {name: float(p) for name, p in (line.split() for line in lines[1:4])}
    assert set(probabilities) == {"setosa", "versicolor", "virginica"}
    assert probabilities["setosa"] > 0.9 and abs(sum(probabilities.values()) - 1) < 1e-3


def test_json_output(trained, capsys):
    assert main(["6.3", "3.3", "6.0", "2.5", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["species"] == "virginica"
    assert answer["probabilities"]["virginica"] == max(answer["probabilities"].values())


def test_no_model_yet_is_a_clear_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SLUICE_STORAGE_URL", str(tmp_path / "empty"))
    assert main(["5.1", "3.5", "1.4", "0.2"]) == 2
    assert "no promoted Iris model: models/iris/LATEST does not exist" in capsys.readouterr().err


@pytest.mark.parametrize(
    "bad", [["5.1", "3.5", "1.4"], ["5.1", "3.5", "1.4", "-0.2"], ["5.1", "x", "1", "1"]]
)
def test_bad_measurements_are_refused(bad, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(bad)
    assert exit_.value.code == 2
    assert "usage: sluice-predict-iris" in capsys.readouterr().err
