"""Unioning per-file attribute structures, typing them, and naming views and columns."""

import json

import duckdb
import pytest

from platform_assets.catalog.naming import attribute_columns, view_names
from platform_assets.catalog.structure import column_type, merge, top_level

FILE_PAIRS = [
    (['{"a": 1}'], ['{"a": "x"}']),
    (['{"a": 1}'], ['{"a": -1}']),
    (['{"a": 1}', '{"a": -1}'], ['{"a": 2.5}']),
    (['{"a": null}'], ['{"a": true}']),
    (['{"a": {"b": 1}}'], ['{"a": {"c": "x"}}', '{"d": [1]}']),
    (['{"a": [1]}'], ['{"a": []}', '{"a": [{"x": 1}]}']),
    (['{"a": {"b": 1}}'], ['{"a": 3}']),
    (['{"a": [{"b": 1}]}'], ['{"a": [{"b": "s", "c": null}]}']),
]


def structure_of(con, documents: list[str]):
    return json.loads(
        con.execute(
            "SELECT json_group_structure(CAST(d AS JSON)) FROM (SELECT unnest(?::VARCHAR[]) AS d)",
            [documents],
        ).fetchone()[0]
    )


@pytest.mark.parametrize(("first", "second"), FILE_PAIRS)
def test_merging_two_files_structures_equals_duckdbs_structure_of_both(first, second):
    con = duckdb.connect()
    merged = merge(structure_of(con, first), structure_of(con, second))
    assert merged == structure_of(con, first + second)
    assert merge(structure_of(con, second), structure_of(con, first)) == merged


def test_column_types():
    assert column_type(
        {
            "n": "UBIGINT",
            "h": "HUGEINT",
            "mixed": "JSON",
            "none": "NULL",
            "nested": {"z": "BOOLEAN", "a": ["UBIGINT"]},
            "empty": {},
        }
    ) == {
        "empty": "JSON",
        "h": "BIGINT",
        "mixed": "VARCHAR",
        "n": "BIGINT",
        "nested": {"a": ["BIGINT"], "z": "BOOLEAN"},
        "none": "JSON",
    }
    # A file whose attributes are all {} has the structure "JSON": no keys, not a mixed value.
    assert top_level("JSON") == {} and top_level({"a": "VARCHAR"}) == {"a": "VARCHAR"}


def test_view_names_are_clean_and_collisions_keep_the_clean_name():
    names = view_names("events", ["order.paid", "order_paid", "Order-Paid", "user-created", "x"])
    assert names["order_paid"] == "events_order_paid"
    assert (
        names["order.paid"].startswith("events_order_paid_")
        and len(names["order.paid"]) == len("events_order_paid_") + 6
    )
    assert names["Order-Paid"] != names["order.paid"]
    assert names["user-created"] == "events_user_created" and names["x"] == "events_x"
    # A suffix depends on the name only: another type appearing does not rename it.
    assert view_names("events", ["order.paid", "order_paid"])["order.paid"] == names["order.paid"]


def test_attribute_columns_avoid_envelope_names_and_case_twins():
    columns = attribute_columns(
        ["meta", "Amount", "amount", "event_id", "", "attr_event_id"], ["event_id", "meta"]
    )
    assert columns == {
        "": "attr_",
        "Amount": "Amount",
        "amount": "attr_amount",
        "attr_event_id": "attr_event_id",
        "event_id": "attr_event_id_2",
        "meta": "attr_meta",
    }
    assert len({c.lower() for c in columns.values()}) == len(columns)
