"""The query command as a user runs it: a subprocess, settings from the environment."""

import csv
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq

from platform_assets.catalog.query import main
from tests.conftest import ROOT

TOP_CURRENCIES = "SELECT currency, count(*) AS n FROM events_order_paid GROUP BY 1 ORDER BY 1"


def sluice_query(
    env_vars: dict, *args: str, cwd=ROOT, console_script=False
) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")}
    env.update(env_vars)
    if console_script:
        command = [str(Path(sys.executable).parent / "sluice-query"), *args]
    else:
        command = [sys.executable, "-m", "platform_assets.catalog.query", *args]
    return subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=120)


def local_env(lake, catalog) -> dict:
    return {"SLUICE_STORAGE_URL": lake.url, "SLUICE_CATALOG_PATH": str(catalog)}


def test_prints_the_result_as_a_table(lake, catalog, tmp_path):
    saved_before = list(lake.list_objects("query_results/"))
    result = sluice_query(
        local_env(lake, catalog), TOP_CURRENCIES, cwd=tmp_path, console_script=True
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(re.search(r"│\s*EUR\s*│\s*2\s*│", line) for line in lines), result.stdout
    assert any(re.search(r"│\s*USD\s*│\s*1\s*│", line) for line in lines), result.stdout
    assert lines[-1] == "(2 rows)"
    assert list(lake.list_objects("query_results/")) == saved_before  # nothing saved without --save


def test_save_writes_csv_and_parquet_under_query_results(lake, catalog):
    result = sluice_query(local_env(lake, catalog), TOP_CURRENCIES, "--save", "order_currencies")
    assert result.returncode == 0, result.stderr
    keys = sorted(o.key for o in lake.list_objects("query_results/order_currencies/"))
    assert len(keys) == 2
    assert re.fullmatch(r"query_results/order_currencies/\d{8}T\d{6}Z\.csv", keys[0]), keys
    assert keys[1] == keys[0].removesuffix(".csv") + ".parquet"
    assert pq.read_table(lake.uri(keys[1])).to_pylist() == [
        {"currency": "EUR", "n": 2},
        {"currency": "USD", "n": 1},
    ]
    rows = list(csv.DictReader(io.StringIO(lake.read_bytes(keys[0]).decode())))
    assert rows == [{"currency": "EUR", "n": "2"}, {"currency": "USD", "n": "1"}]
    assert f"saved 2 rows to {lake.uri(keys[1])}" in result.stdout

    again = sluice_query(local_env(lake, catalog), "SELECT 1 AS one", "--save", "order_currencies")
    assert again.returncode == 0, again.stderr
    assert (
        len(list(lake.list_objects("query_results/order_currencies/"))) == 4
    )  # earlier results kept


def test_bad_query_fails_with_duckdbs_message_and_no_traceback(lake, catalog):
    for sql, message in [
        (
            "SELECT * FROM no_such_view",
            "Catalog Error: Table with name no_such_view does not exist",
        ),
        ("SELEC 1", 'Parser Error: syntax error at or near "SELEC"'),
        ("SELECT CAST(code AS INTEGER) FROM events_order_paid", "Conversion Error"),
    ]:
        result = sluice_query(local_env(lake, catalog), sql, "--save", "never")
        assert result.returncode == 1, (sql, result.stdout)
        assert result.stderr.startswith(f"query failed: {message}"), result.stderr
        assert "Traceback" not in result.stderr + result.stdout
    assert not list(lake.list_objects("query_results/never/"))


def test_missing_catalog_says_how_to_build_it_and_refresh_builds_it(lake, tmp_path):
    env = {
        "SLUICE_STORAGE_URL": lake.url,
        "SLUICE_CATALOG_PATH": str(tmp_path / "none" / "lake.duckdb"),
    }
    missing = sluice_query(env, "SELECT 1")
    assert missing.returncode == 1
    assert (
        "no catalog at" in missing.stderr
        and "lake_catalog" in missing.stderr
        and "--refresh" in missing.stderr
    )
    assert "Traceback" not in missing.stderr

    built = sluice_query(env, "SELECT count(*) AS n FROM customers", "--refresh")
    assert built.returncode == 0, built.stderr
    assert re.search(r"│\s*3\s*│", built.stdout) and "catalog refreshed" in built.stderr


def test_save_name_must_be_one_safe_path_element(lake, catalog, monkeypatch, capsys):
    result = sluice_query(local_env(lake, catalog), "SELECT 1", "--save", "../escape")
    assert result.returncode == 1 and "--save '../escape'" in result.stderr
    for variable, value in local_env(lake, catalog).items():
        monkeypatch.setenv(variable, value)
    for name in ["a/b", ".hidden", "", "x" * 129]:  # the same main(), in this process
        assert main(["SELECT 1", "--save", name]) == 1, name
        assert "error: --save" in capsys.readouterr().err
    assert main(["SELECT 1", "--save", "ok-name_1.v2"]) == 0
    assert len(list(lake.list_objects("query_results/ok-name_1.v2/"))) == 2
    saved_names = {o.key.split("/")[1] for o in lake.list_objects("query_results/")}
    assert not saved_names & {"a", ".hidden", "", "x" * 129}
    assert not list(lake.list_objects("escape"))


def assert_refused(result: subprocess.CompletedProcess, *words: str) -> None:
    assert result.returncode == 1, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("refused: "), result.stderr
    assert all(word in lines[0] for word in words), result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_writing_statements_are_refused_before_they_run(lake, catalog, tmp_path):
    env = local_env(lake, catalog)
    outside = tmp_path / "outside.csv"
    inside = lake.uri("lake/events/copied.csv")  # an allowed folder: the statement type decides
    database = tmp_path / "created.duckdb"
    for sql, kind in [
        (f"COPY (SELECT * FROM events) TO '{outside}'", "COPY"),
        (f"COPY (SELECT * FROM events) TO '{inside}'", "COPY"),
        (f"SELECT 1; COPY (SELECT 1) TO '{outside}'", "COPY"),
        (f"ATTACH '{database}' AS created (READ_WRITE)", "ATTACH"),
        ("INSTALL httpfs", "LOAD"),
        ("LOAD httpfs", "LOAD"),
        ("SET threads = 1", "SET"),
        ("CREATE TABLE t AS SELECT 1", "CREATE"),
    ]:
        assert_refused(sluice_query(env, sql), "read-only", kind)
    assert not outside.exists() and not database.exists()
    assert not lake.exists("lake/events/copied.csv")


def test_reading_files_outside_the_lake_is_refused(lake, catalog, tmp_path):
    env = local_env(lake, catalog)
    lake.put_bytes("secrets/token.txt", b"not for queries")
    for path in ["/etc/passwd", lake.uri("secrets/token.txt")]:
        for function in ["read_text", "read_csv", "read_blob"]:
            result = sluice_query(env, f"SELECT * FROM {function}('{path}')")
            assert_refused(result, "reads the lake only", "Permission Error")
    glob = sluice_query(env, "SELECT count(*) FROM glob('/etc/*')")
    assert_refused(glob, "reads the lake only")
    # The lake itself stays readable through any table function, not only the views.
    lake_file = next(o.key for o in lake.list_objects("lake/events/") if o.key.endswith(".parquet"))
    direct = sluice_query(env, f"SELECT count(*) AS n FROM read_parquet('{lake.uri(lake_file)}')")
    assert direct.returncode == 0, direct.stderr


def test_warns_when_the_catalog_reads_another_storage_root(
    lake, catalog, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("SLUICE_STORAGE_URL", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("SLUICE_CATALOG_PATH", str(catalog))
    assert main(["SELECT count(*) AS n FROM events_order_paid"]) == 0
    out = capsys.readouterr()
    assert f"the catalog reads {lake.url}" in out.err and "--refresh" in out.err
    assert "(1 row)" in out.out  # the views still read the root they were built for
