"""The catalog's views over a lake built by the real ingest: typed per-type views across two
schema versions, the events view against the lake, customers and quarantines."""

import hashlib
import shutil

import duckdb
import pyarrow.parquet as pq

from platform_assets.catalog.build import build_catalog
from platform_assets.catalog.connection import connect
from resources.storage import StorageResource
from tests.catalog.conftest import HOUR1, event_line, land, populate
from tests.events.lake_queries import query

ORDER_COLUMNS = [
    ("event_id", "VARCHAR"),
    ("event_type", "VARCHAR"),
    ("created_at", "TIMESTAMP WITH TIME ZONE"),
    ("event_date", "DATE"),
    ("event_hour", "INTEGER"),
    ("amount", "DOUBLE"),  # 10 and 20 in the first file, 12.5 in the second
    ("code", "VARCHAR"),  # 7 and 8 in the first file, "X-1" in the second
    ("coupon", "VARCHAR"),  # only in the second file
    ("currency", "VARCHAR"),
    ("customer", "STRUCT(id BIGINT, tier VARCHAR)"),  # tier added in the second file
    ("attr_event_id", "VARCHAR"),  # an attribute named like an envelope column
    ("attributes", "JSON"),
    ("meta", "JSON"),
    ("source_key", "VARCHAR"),
    ("line_number", "BIGINT"),
]


def open_catalog(path, storage):
    return connect(path, storage, read_only=True)


def test_event_type_view_unions_two_schema_versions_into_typed_columns(lake, catalog):
    with open_catalog(catalog, lake) as con:
        described = con.execute("DESCRIBE events_order_paid").fetchall()
        assert [(row[0], row[1]) for row in described] == ORDER_COLUMNS
        rows = con.execute(
            "SELECT event_id, event_hour, amount, code, coupon, currency, customer, attr_event_id "
            "FROM events_order_paid ORDER BY event_id"
        ).fetchall()
    assert rows == [
        ("o-1", 0, 10.0, "7", None, "EUR", {"id": 1, "tier": None}, None),
        ("o-2", 0, 20.0, "8", None, "USD", {"id": 2, "tier": None}, None),
        ("o-3", 1, 12.5, "X-1", "WELCOME", "EUR", {"id": 3, "tier": "gold"}, "inner"),
    ]


def test_events_view_matches_the_lake(lake, catalog):
    expected = query(
        lake, "lake/events/", "SELECT event_type, count(*) FROM t GROUP BY 1 ORDER BY 1"
    )
    assert len(expected) > 5  # the generated hour adds types
    with open_catalog(catalog, lake) as con:
        counted = con.execute(
            "SELECT event_type, count(*) FROM events GROUP BY 1 ORDER BY 1"
        ).fetchall()
        per_type_views = dict(
            con.execute(
                "SELECT source, table_name FROM sluice.tables WHERE kind = 'event_type'"
            ).fetchall()
        )
        for event_type, count in expected:
            view = per_type_views[event_type]
            assert con.execute(f'SELECT count(*) FROM "{view}"').fetchone()[0] == count, event_type
        typed = con.execute(
            "SELECT typeof(created_at), typeof(event_date), typeof(event_hour), "
            "typeof(attributes) FROM events LIMIT 1"
        ).fetchone()
    assert counted == expected
    assert set(per_type_views) == {event_type for event_type, _ in expected}
    assert typed == ("TIMESTAMP WITH TIME ZONE", "DATE", "INTEGER", "JSON")


def test_names_that_clean_alike_get_distinct_stable_suffixes(lake, catalog):
    with open_catalog(catalog, lake) as con:
        names = dict(con.execute("SELECT source, table_name FROM sluice.tables").fetchall())
        assert con.execute(f'SELECT count(*) FROM "{names["cart.closed"]}"').fetchone()[0] == 1
    for event_type in ("cart.closed", "cart-closed"):
        suffix = hashlib.sha1(event_type.encode()).hexdigest()[:6]
        assert names[event_type] == f"events_cart_closed_{suffix}"
    assert names["user_created"] == "events_user_created"


def test_customers_view_unions_columns_across_files(lake, catalog):
    with open_catalog(catalog, lake) as con:
        rows = con.execute(
            "SELECT id, name, email_masked, is_future, phone_masked FROM customers ORDER BY id"
        ).fetchall()
    assert rows == [
        (1, "hu25 Smith", "a***@example.com", False, None),
        (2, "hu25 Doe", "j***@example.org", True, None),
        (3, "hu25 Roe", "r***@example.net", False, "***-0199"),
    ]


def test_one_view_per_quarantine_folder(lake, catalog):
    expected_events = query(
        lake, "quarantine/events/", "SELECT reason, count(*) FROM t GROUP BY 1 ORDER BY 1"
    )
    with open_catalog(catalog, lake) as con:
        views = con.execute(
            "SELECT table_name FROM sluice.tables WHERE kind = 'quarantine' ORDER BY 1"
        ).fetchall()
        events = con.execute(
            "SELECT reason, count(*) FROM quarantine_events GROUP BY 1 ORDER BY 1"
        ).fetchall()
        hours = con.execute("SELECT DISTINCT ingest_date FROM quarantine_events").fetchall()
        persons = con.execute(
            "SELECT line, reasons FROM quarantine_persons ORDER BY line"
        ).fetchall()
        customers = con.execute("SELECT source_key, reasons FROM quarantine_customers").fetchall()
    assert [v for (v,) in views] == [
        "quarantine_customers",
        "quarantine_events",
        "quarantine_persons",
    ]
    assert events == expected_events and ("invalid_json", 1) in events
    assert [str(d) for (d,) in hours] == ["2025-01-01"]  # hive folders become columns
    assert persons == [(2, ["invalid_email"]), (3, ["invalid_ip", "missing:email"])]
    assert customers == [("landing/customers/a.csv", ["duplicate_id"])]


def test_catalog_lists_tables_and_columns(lake, catalog):
    with duckdb.connect(str(catalog), read_only=True) as con:
        columns = con.execute(
            "SELECT columns FROM sluice.tables WHERE table_name = 'events_order_paid'"
        ).fetchone()[0]
        build = con.execute(
            "SELECT storage_url, event_types, lake_files FROM sluice.build"
        ).fetchone()
    assert [(c["name"], c["type"]) for c in columns] == ORDER_COLUMNS
    lake_files = [o for o in lake.list_objects("lake/events/") if o.key.endswith(".parquet")]
    assert build == (lake.url, len({o.key.split("/")[2] for o in lake_files}), len(lake_files))


def test_new_files_show_at_once_and_a_refresh_reads_only_them(tmp_path):
    storage = StorageResource(url=str(tmp_path / "storage"))
    populate(storage)
    path = tmp_path / "lake.duckdb"
    first = build_catalog(storage, path)
    assert first.inferred_files == first.lake_files == 5

    # A later hour brings a new attribute key: the view's glob sees the rows at once...
    later = HOUR1.replace(hour=5)
    land(
        storage,
        later,
        "c.jsonl",
        [event_line("o-9", "order.paid", {"amount": 1, "gift": True}, later)],
    )
    from platform_assets.events.ingest import ingest_hour

    ingest_hour(storage, later)
    with open_catalog(path, storage) as con:
        assert con.execute("SELECT count(*) FROM events_order_paid").fetchone()[0] == 4
        assert "gift" not in [
            row[0] for row in con.execute("DESCRIBE events_order_paid").fetchall()
        ]

    # ... and a refresh types the new key, reading the one new file only.
    second = build_catalog(storage, path)
    assert (second.inferred_files, second.lake_files) == (1, 6)
    with open_catalog(path, storage) as con:
        gifts = con.execute(
            "SELECT event_id, gift FROM events_order_paid WHERE gift IS NOT NULL"
        ).fetchall()
        assert gifts == [("o-9", True)]
    assert build_catalog(storage, path, full_refresh=True).inferred_files == 6


def test_a_rewritten_file_is_read_again(tmp_path):
    storage = StorageResource(url=str(tmp_path / "storage"))
    populate(storage)
    path = tmp_path / "lake.duckdb"
    build_catalog(storage, path)
    key = next(o.key for o in storage.list_objects("lake/events/event_type=user_created/"))
    table = pq.read_table(storage.uri(key)).to_pylist()
    table[0]["attributes"] = '{"n": 1, "renamed_later": "yes"}'
    import pyarrow as pa

    pq.write_table(
        pa.Table.from_pylist(table, schema=pq.read_schema(storage.uri(key))), storage.uri(key)
    )
    rebuilt = build_catalog(storage, path)
    assert rebuilt.inferred_files == 1  # same key, new size
    with open_catalog(path, storage) as con:
        assert con.execute("SELECT renamed_later FROM events_user_created").fetchall() == [("yes",)]


def test_empty_storage_gives_an_empty_catalog(tmp_path):
    storage = StorageResource(url=str(tmp_path / "nothing"))
    built = build_catalog(storage, tmp_path / "lake.duckdb")
    assert (built.tables, built.event_types, built.skipped) == ([], 0, [])
    with duckdb.connect(str(tmp_path / "lake.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM sluice.tables").fetchone()[0] == 0


def test_catalog_works_from_another_directory_and_is_replaced_atomically(
    lake, catalog, tmp_path, monkeypatch
):
    copy = tmp_path / "copy.duckdb"
    shutil.copy(catalog, copy)
    monkeypatch.chdir(tmp_path)
    reader = open_catalog(copy, lake)  # a reader holding the old file open...
    build_catalog(lake, copy)  # ... while a refresh replaces it
    assert reader.execute("SELECT count(*) FROM events_order_paid").fetchone()[0] == 3
    reader.close()
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp files left
