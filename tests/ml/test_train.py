"""Training is deterministic, clears the bar on the real data, and fails it on noise."""

import hashlib

import pytest

from ml.assets import MIN_ACCURACY
from ml.read_csv import read_iris_csv
from ml.train import TrainingDataError, confusion_markdown, train_and_evaluate
from ml.validate import validate_iris
from ml.version import code_hash, model_version
from tests.ml.conftest import shuffled_labels


def valid_rows(data: bytes):
    return validate_iris(read_iris_csv(data, "iris.csv")).valid


def test_model_on_the_published_csv_is_above_the_threshold(iris_csv):
    metrics = train_and_evaluate(valid_rows(iris_csv.read_bytes())).metrics
    assert metrics["accuracy"] >= MIN_ACCURACY
    assert metrics["macro_f1"] >= MIN_ACCURACY
    assert metrics["cv_accuracy_mean"] >= MIN_ACCURACY
    assert (metrics["rows_train"], metrics["rows_test"]) == (111, 38)
    matrix = metrics["confusion_matrix"]
    assert sum(map(sum, matrix)) == 38
    assert [sum(row) for row in matrix] == [13, 13, 12]  # stratified: 50/50/49 in the test split


def test_training_twice_gives_the_same_metrics_and_predictions(iris_csv):
    rows = valid_rows(iris_csv.read_bytes())
    first, second = train_and_evaluate(rows), train_and_evaluate(rows)
    assert first.metrics == second.metrics
    features = rows[["sepal_length", "sepal_width", "petal_length", "petal_width"]]
    assert (first.pipeline.predict_proba(features) == second.pipeline.predict_proba(features)).all()


def test_shuffled_labels_score_below_the_threshold(iris_csv):
    metrics = train_and_evaluate(valid_rows(shuffled_labels(iris_csv.read_bytes()))).metrics
    assert metrics["accuracy"] < MIN_ACCURACY


def test_version_depends_on_data_and_code_only():
    data_a = hashlib.sha256(b"a").hexdigest()
    data_b = hashlib.sha256(b"b").hexdigest()
    assert code_hash() == code_hash()
    assert model_version(data_a, code_hash()) == model_version(data_a, code_hash())
    assert model_version(data_a, code_hash()) != model_version(data_b, code_hash())
    assert model_version(data_a, code_hash()) != model_version(data_a, "other training code")
    assert len(model_version(data_a, code_hash())) == 16


def test_too_few_rows_of_a_species_is_a_clear_error(iris_csv):
    rows = valid_rows(iris_csv.read_bytes())
    rows = rows[(rows["species"] != "virginica") | (rows.index % 10 == 0)]
    with pytest.raises(
        TrainingDataError, match=r"not enough valid rows to train: \{'virginica': 5\}"
    ):
        train_and_evaluate(rows)


def test_confusion_matrix_as_markdown():
    table = confusion_markdown(["a", "b"], [[3, 1], [0, 4]])
    assert table.splitlines() == [
        "| actual \\ predicted | a | b |",
        "|---|---|---|",
        "| **a** | 3 | 1 |",
        "| **b** | 0 | 4 |",
    ]
