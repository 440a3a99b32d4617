"""Every validity rule and reason code of the event envelope, one record at a time."""

import json

import pytest

from platform_assets.events.line_batch import LineBatch
from platform_assets.events.validate import (
    ALL_REASONS,
    MIN_CREATED_AT_MS,
    validate_lines,
)

ARRIVAL_END_MS = 1_735_725_600_000  # 2025-01-01T10:00Z + 1 h
MAX_MS = ARRIVAL_END_MS + 24 * 3_600_000


def envelope(**overrides):
    record = {
        "data": {"id": "e-1", "type": "user_created", "attributes": {"name": "Ann"}},
        "meta": {"created_at": 1_735_722_000_000, "service": "svc"},
    }
    for path, value in overrides.items():
        target = record
        *parents, leaf = path.split("__")
        for parent in parents:
            target = target[parent]
        if value is DELETE:
            del target[leaf]
        else:
            target[leaf] = value
    return json.dumps(record).encode()


DELETE = object()


def reasons_of(text: bytes) -> list[str]:
    batch = validate_lines(LineBatch.of([text], "landing/x.jsonl", first_line=7), MAX_MS)
    if batch.valid.num_rows:
        return []
    (rejection,) = batch.rejected
    assert rejection.source_key == "landing/x.jsonl" and rejection.line_number == 7
    assert rejection.raw == text.decode("utf-8", errors="backslashreplace")
    return rejection.reasons


@pytest.mark.parametrize(
    "text, expected",
    [
        (envelope(), []),
        (b'{"data": {"id": "x"', ["invalid_json"]),
        (b"not json at all", ["invalid_json"]),
        (b'{"data": 1, "meta": {"created_at": NaN}}', ["invalid_json"]),
        (b"\xff\xfe{}", ["invalid_json"]),
        (b"[1, 2]", ["not_an_object"]),
        (b'"a string"', ["not_an_object"]),
        (b"42", ["not_an_object"]),
        (b"null", ["not_an_object"]),
        (envelope(data=DELETE), ["missing:data"]),
        (envelope(data=[1]), ["bad_data"]),
        (envelope(data=None), ["bad_data"]),
        (envelope(meta=DELETE), ["missing:meta"]),
        (envelope(meta="x"), ["bad_meta"]),
        (envelope(data__id=DELETE), ["missing:data.id"]),
        (envelope(data__id=""), ["bad_id"]),
        (envelope(data__id=12), ["bad_id"]),
        (envelope(data__id=None), ["bad_id"]),
        (envelope(data__type=DELETE), ["missing:data.type"]),
        (envelope(data__type=3), ["bad_type"]),
        (envelope(data__type="a/b"), ["bad_type"]),
        (envelope(data__type="../etc"), ["bad_type"]),
        (envelope(data__type="_leading"), ["bad_type"]),
        (envelope(data__type="with space"), ["bad_type"]),
        (envelope(data__type="ok\n"), ["bad_type"]),
        (envelope(data__type="caf\u00e9"), ["bad_type"]),
        (envelope(data__type="a" * 129), ["bad_type"]),
        (envelope(data__attributes=DELETE), ["missing:data.attributes"]),
        (envelope(data__attributes=[]), ["bad_attributes"]),
        (envelope(data__attributes="{}"), ["bad_attributes"]),
        (envelope(meta__created_at=DELETE), ["missing:meta.created_at"]),
        (envelope(meta__created_at=True), ["bad_created_at"]),
        (envelope(meta__created_at=1.735722e12), ["bad_created_at"]),
        (envelope(meta__created_at="1735722000000"), ["bad_created_at"]),
        (envelope(meta__created_at=None), ["bad_created_at"]),
        (envelope(meta__created_at=MIN_CREATED_AT_MS - 1), ["created_at_out_of_range"]),
        (envelope(meta__created_at=-5), ["created_at_out_of_range"]),
        (envelope(meta__created_at=MAX_MS + 1), ["created_at_out_of_range"]),
        (envelope(meta__created_at=10**30), ["created_at_out_of_range"]),
        (
            envelope(
                data__id="", data__type="a/b", data__attributes=DELETE, meta__created_at=False
            ),
            ["bad_created_at", "bad_id", "bad_type", "missing:data.attributes"],
        ),
        (envelope(data=DELETE, meta=DELETE), ["missing:data", "missing:meta"]),
    ],
)
def test_reason_codes(text, expected):
    assert reasons_of(text) == expected


def test_boundaries_are_inclusive():
    assert reasons_of(envelope(meta__created_at=MIN_CREATED_AT_MS)) == []
    assert reasons_of(envelope(meta__created_at=MAX_MS)) == []
    assert reasons_of(envelope(data__type="A" + "z" * 127)) == []
    assert reasons_of(envelope(data__type="a.b-c_d.9")) == []


def test_every_documented_reason_is_produced_by_some_case():
    seen = set()
    for case in test_reason_codes.pytestmark[0].args[1]:
        seen.update(case[1])
    assert seen | {"duplicate_id"} == set(ALL_REASONS)


def test_valid_row_keeps_originals_losslessly():
    attributes = {
        "big": 123456789012345678901234567890,
        "nested": {"a": [1, 2.5, None]},
        "u": "\u00e9",
    }
    text = json.dumps(
        {
            "data": {"id": "e-9", "type": "t", "attributes": attributes},
            "meta": {"created_at": 1_735_722_000_123, "x": 1},
        }
    ).encode()
    batch = validate_lines(LineBatch.of([text]), MAX_MS)
    (row,) = batch.valid.to_pylist()
    assert row["event_id"] == "e-9" and row["event_type"] == "t"
    assert json.loads(row["attributes"]) == attributes
    assert json.loads(row["meta"]) == {"created_at": 1_735_722_000_123, "x": 1}
    assert int(row["created_at"].timestamp() * 1000) == 1_735_722_000_123
