"""The catalog over S3 (moto's server over real HTTP): httpfs from the wheel, path-style
endpoint, credentials from the AWS chain in a temporary secret that never reaches the file."""

import uuid

import pyarrow.parquet as pq
import pytest

from platform_assets.catalog.build import build_catalog
from platform_assets.catalog.connection import connect
from resources.storage import StorageResource
from tests.catalog.conftest import populate
from tests.catalog.test_query_cli import TOP_CURRENCIES, sluice_query

pytestmark = pytest.mark.s3


def test_catalog_and_saved_results_on_s3(moto_endpoint, s3_bucket, tmp_path, monkeypatch):
    # Credentials only this test uses (moto takes any): they must not end up in the file.
    secret = f"secret-{uuid.uuid4().hex}"
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", f"key-{uuid.uuid4().hex[:8]}")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    url = f"s3://{s3_bucket}/lakehouse"
    storage = StorageResource(url=url, s3_endpoint_url=moto_endpoint)
    populate(storage)
    path = tmp_path / "lake.duckdb"

    built = build_catalog(storage, path)
    assert built.skipped == []
    assert {t.name for t in built.tables} >= {
        "events",
        "events_order_paid",
        "customers",
        "quarantine_events",
        "quarantine_persons",
    }
    with connect(path, storage, read_only=True) as con:
        sql = con.execute(
            "SELECT sql FROM duckdb_views() WHERE view_name = 'events_order_paid'"
        ).fetchone()[0]
        assert f"s3://{s3_bucket}/lakehouse/lake/events/event_type=order.paid/" in sql
        rows = con.execute(
            "SELECT event_id, amount, code, customer.tier FROM events_order_paid ORDER BY event_id"
        ).fetchall()
        assert rows == [
            ("o-1", 10.0, "7", None),
            ("o-2", 20.0, "8", None),
            ("o-3", 12.5, "X-1", "gold"),
        ]
        assert con.execute("SELECT count(*) FROM customers").fetchone()[0] == 3
    assert secret.encode() not in path.read_bytes()

    env = {
        "SLUICE_STORAGE_URL": url,
        "SLUICE_S3_ENDPOINT_URL": moto_endpoint,
        "SLUICE_CATALOG_PATH": str(path),
    }
    result = sluice_query(env, TOP_CURRENCIES, "--save", "on_s3")
    assert result.returncode == 0, result.stderr
    keys = sorted(o.key for o in storage.list_objects("query_results/on_s3/"))
    assert [k.rsplit(".", 1)[1] for k in keys] == ["csv", "parquet"]
    filesystem, base = storage.arrow_filesystem()
    table = pq.read_table(f"{base}/{keys[1]}", filesystem=filesystem)
    assert table.to_pylist() == [{"currency": "EUR", "n": 2}, {"currency": "USD", "n": 1}]
    assert storage.read_bytes(keys[0]).decode().splitlines() == ["currency,n", "EUR,2", "USD,1"]
    assert f"s3://{s3_bucket}/lakehouse/query_results/on_s3/" in result.stdout

    # Only the lake's folders are readable: the saved results, outside them, are not.
    outside = sluice_query(env, f"SELECT * FROM read_text('{storage.uri(keys[0])}')")
    assert outside.returncode == 1 and outside.stderr.startswith("refused: "), outside.stderr
