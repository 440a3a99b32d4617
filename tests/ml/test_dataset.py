"""Pulling the CSV: over real HTTP from 127.0.0.1, from a path, and the shipped default."""

import hashlib
import io
import zipfile

import pytest

from ml.dataset import (
    SHIPPED_DATASET,
    IrisSourceError,
    describe_source,
    pull,
    resolve_source,
)


def test_http_pull_returns_the_served_bytes_and_their_hash(files, http_root, iris_csv):
    data = iris_csv.read_bytes()
    (files / "iris.csv").write_bytes(data)
    pulled = pull(f"{http_root}/iris.csv")
    assert pulled.data == data
    assert pulled.sha256 == hashlib.sha256(data).hexdigest()


def test_default_source_is_the_shipped_copy_and_works_offline(iris_csv):
    assert resolve_source(None, env={}) == str(SHIPPED_DATASET)
    pulled = pull(resolve_source(None, env={}))
    assert pulled.data == iris_csv.read_bytes()


def test_config_wins_over_the_environment_variable():
    env = {"SLUICE_IRIS_SOURCE": "https://example.org/env.csv"}
    assert resolve_source(None, env=env) == "https://example.org/env.csv"
    assert resolve_source("  /data/config.csv ", env=env) == "/data/config.csv"
    assert resolve_source("", env=env) == "https://example.org/env.csv"


def test_network_error_names_the_url_and_the_way_out(closed_port_url):
    with pytest.raises(IrisSourceError) as err:
        pull(closed_port_url, timeout=5)
    message = str(err.value)
    assert f"cannot download the iris dataset from {closed_port_url}" in message
    assert "SLUICE_IRIS_SOURCE" in message


def test_http_status_error_is_reported(http_root):
    with pytest.raises(IrisSourceError, match=r"HTTP 404"):
        pull(f"{http_root}/missing.csv")


def test_missing_local_file_and_unknown_scheme(tmp_path):
    with pytest.raises(IrisSourceError, match="no such file"):
        pull(str(tmp_path / "nope.csv"))
    with pytest.raises(IrisSourceError, match="unsupported scheme 'ftp'"):
        pull("ftp://example.org/iris.csv")


def test_a_web_page_is_not_a_dataset(files, http_root):
    (files / "page.html").write_bytes(b"<!DOCTYPE html><html><body>Kaggle</body></html>")
    with pytest.raises(IrisSourceError, match="HTML page, not CSV"):
        pull(f"{http_root}/page.html")


def test_zip_with_one_csv_is_unwrapped_as_kaggle_serves_it(files, http_root, iris_csv):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("Iris.csv", iris_csv.read_bytes())
    (files / "iriscsv.zip").write_bytes(buffer.getvalue())
    pulled = pull(f"{http_root}/iriscsv.zip")
    assert pulled.data == iris_csv.read_bytes()
    assert pulled.sha256 == hashlib.sha256(iris_csv.read_bytes()).hexdigest()


def test_source_shown_in_metadata_has_no_credentials():
    shown = describe_source("https://user:secret@example.org:8443/d/iris.csv?token=abc")
    assert shown == "https://example.org:8443/d/iris.csv?..."
    assert describe_source("/data/iris.csv") == "/data/iris.csv"
