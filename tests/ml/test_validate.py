"""Reading and validating rows: every reason per row, line numbers, the file-level errors."""

import pytest

from ml.read_csv import IrisFileError, read_iris_csv
from ml.validate import IRIS_SCHEMA, validate_iris

DIRTY = b"""sepal_length,sepal_width,petal_length,petal_width,species
5.1,3.5,1.4,0.2,setosa
abc,3.5,-1,0.2,setosa

,3.5,1.4,0,rose
5.10,3.5,1.4,0.2,Setosa
inf,3,1,1,
7.0,3.2,4.7,1.4,versicolor
"""


def test_dirty_rows_get_every_reason_and_their_line():
    raw = read_iris_csv(DIRTY, "dirty.csv")
    result = validate_iris(raw)
    assert result.valid["line"].tolist() == [
        2,
        8,
    ]  # line 4 is blank: skipped, yet the numbering stays physical
    assert dict(zip(result.rejected["line"], result.rejected["reasons"])) == {
        3: ["not_a_number:sepal_length", "not_positive:petal_length"],
        5: ["missing:sepal_length", "not_positive:petal_width", "unknown_species"],
        6: ["duplicate_row"],  # 5.10 == 5.1 and Setosa == setosa: the same flower twice
        7: ["not_a_number:sepal_length", "missing:species"],
    }
    assert len(result.valid) + len(result.rejected) == len(raw)
    assert result.reason_counts["not_a_number:sepal_length"] == 2


def test_the_published_csv_has_one_duplicate_row(iris_csv):
    raw = read_iris_csv(iris_csv.read_bytes(), "iris.csv")
    result = validate_iris(raw)
    assert (len(raw), len(result.valid)) == (150, 149)
    assert result.rejected["line"].tolist() == [144]
    assert result.rejected["reasons"].tolist() == [["duplicate_row"]]
    IRIS_SCHEMA.validate(result.valid)  # the contract the model trains on
    assert result.valid["species"].value_counts().to_dict() == {
        "setosa": 50,
        "versicolor": 50,
        "virginica": 49,
    }


def test_kaggle_layout_is_read_with_its_labels_normalised():
    data = (
        b"Id,SepalLengthCm,SepalWidthCm,PetalLengthCm,PetalWidthCm,Species\n"
        b"1,5.1,3.5,1.4,0.2,Iris-setosa\n2,7.0,3.2,4.7,1.4,Iris-versicolor\n"
    )
    result = validate_iris(read_iris_csv(data, "Iris.csv"))
    assert result.valid["species"].tolist() == ["setosa", "versicolor"]
    assert result.rejected.empty


def test_wrong_columns_fail_with_the_missing_names_and_the_header():
    data = b"a,b,c\n1,2,3\n4,5,6\n"
    with pytest.raises(IrisFileError) as err:
        read_iris_csv(data, "https://example.org/other.csv")
    message = str(err.value)
    assert message.startswith("https://example.org/other.csv: wrong columns: missing sepal_length")
    assert "header has a, b, c" in message
    assert err.value.reason == "missing_column:sepal_length"
    assert err.value.rows["line"].tolist() == [2, 3]


def test_empty_and_unreadable_files():
    with pytest.raises(IrisFileError, match="file is empty"):
        read_iris_csv(b"", "empty.csv")
    with pytest.raises(IrisFileError, match="not a readable UTF-8 CSV"):
        read_iris_csv(b"sepal_length,species\n\xff\xfe,\x00x\n", "binary.csv")
