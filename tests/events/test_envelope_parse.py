"""msgspec's two decoders against the rules read with Python's json module, line by line.

The typed decoder takes records of the valid shape; the loose one tells every field's kind
for the rest. Whatever path a line takes, its verdict and values must be those of a plain
reading of the rules, on thousands of mutated lines.
"""

import json
import random

from platform_assets.events.envelope_parse import VALID_SHAPE, parse_lines
from platform_assets.events.line_batch import LineBatch
from platform_assets.events.validate import validate_lines
from tests.events.test_generate import violation

HOUR_MS = 1_735_722_000_000  # 2025-01-01T09:00Z, the arrival hour
MAX_MS = HOUR_MS + 25 * 3_600_000
TOKENS = [
    b",",
    b'"',
    b"{",
    b"}",
    b"[",
    b"]",
    b":",
    b"null",
    b"true",
    b"1",
    b"1.5",
    b"-0",
    b'"x"',
    b" ",
    b"\\",
    b"1e400",
    b"01",
    b"NaN",
    b'"\\u00e9"',
    b"\xc3\xa9",
    b"\xff",
    b"\x01",
    b'"id":',
    b'"meta":{}',
]


# user_id values of every JSON kind; only strings reach the lake's user_id column.
USER_IDS = ["u-1", "K\u00f6ln", "", 42, 1.5, None, True, ["u-1"], {"user_id": "inner"}]


def expected_user_id(attributes: dict) -> str | None:
    user_id = attributes.get("user_id")
    return user_id if isinstance(user_id, str) else None


def base_lines(rng: random.Random) -> list[bytes]:
    lines = []
    for i in range(40):
        attributes = {"n": i, "nested": {"l": [1, 2.5, None, "s"]}, "big": 10**25}
        if i % 10:  # absent in a tenth of the lines
            attributes["user_id"] = rng.choice(USER_IDS)
        record = {
            "data": {
                "id": f"e{i}",
                "type": rng.choice(["user_created", "a.b-c_d", "x" * 128]),
                "attributes": attributes,
            },
            "meta": {"created_at": HOUR_MS + rng.randint(-3_600_000, 3_600_000), "service": "svc"},
        }
        text = json.dumps(
            record, ensure_ascii=rng.random() < 0.5, indent=rng.choice([None, None, 1])
        )
        lines.append(text.replace("\n", " ").encode())
    return lines


def mutate(line: bytes, rng: random.Random) -> bytes:
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(line) + 1)
        action = rng.random()
        if action < 0.35:
            line = line[:at] + line[at + 1 :]
        elif action < 0.8:
            line = line[:at] + rng.choice(TOKENS) + line[at:]
        else:
            line = line[:at] + line[at : at + rng.randint(1, 12)] + line[at:]
    return line


def test_every_line_gets_the_verdict_and_values_of_a_plain_reading():
    rng = random.Random(20261127)
    lines = base_lines(rng)
    lines += [mutate(rng.choice(lines), rng) for _ in range(4000)]
    batch = validate_lines(LineBatch.of(lines), MAX_MS)
    valid = {row["line_number"]: row for row in batch.valid.to_pylist()}
    rejected = {rejection.line_number for rejection in batch.rejected}
    assert len(valid) + len(rejected) == len(lines)
    checked_valid = 0
    for number, line in enumerate(lines, 1):
        expected_valid = violation(line, HOUR_MS) is None
        assert (number in valid) == expected_valid, line
        if expected_valid:
            doc = json.loads(line)
            row = valid[number]
            assert (row["event_id"], row["event_type"]) == (doc["data"]["id"], doc["data"]["type"])
            assert json.loads(row["attributes"]) == doc["data"]["attributes"]
            assert row["user_id"] == expected_user_id(doc["data"]["attributes"])
            assert json.loads(row["meta"]) == doc["meta"]
            assert int(row["created_at"].timestamp() * 1000) == doc["meta"]["created_at"]
            checked_valid += 1
    assert checked_valid > 100 and len(rejected) > 1000  # both kinds were really exercised
    assert {type(row["user_id"]) for row in valid.values()} == {str, type(None)}


def test_user_id_is_the_attribute_when_it_is_a_string_else_null():
    def line(attributes: bytes) -> bytes:
        return (
            b'{"data":{"id":"e","type":"t","attributes":'
            + attributes
            + b'},"meta":{"created_at":1735722000000}}'
        )

    cases = {
        b'{"user_id":"u-1","x":{"user_id":"nested"}}': "u-1",
        b'{"x":{"user_id":"nested"}}': None,  # only the top-level attribute
        b'{"user_id":12345}': None,
        b'{"user_id":null}': None,
        b'{"user_id":{"id":"u"}}': None,
        b'{"user_id":"a","user_id":"b"}': "b",  # later keys win, as for the envelope
        b'{"user\\u005fid":"escaped-key"}': "escaped-key",
        b'{"user_id":"caf\\u00e9"}': "caf\u00e9",
        b"{}": None,
    }
    batch = validate_lines(LineBatch.of([line(text) for text in cases]), MAX_MS)
    assert batch.valid.column("user_id").to_pylist() == list(cases.values())


def test_attributes_and_meta_are_kept_as_the_text_they_arrived_as():
    line = (
        b'{ "meta" : {"service":"a",  "created_at":1735722000000 } , "data":{"type":"t","id":"e",'
        b'"attributes" :{ "z": 1, "a": [1.0, 2e3], "u": "\\u00e9", '
        b'"n": 123456789012345678901234567890 }}}'
    )
    (row,) = validate_lines(LineBatch.of([line]), MAX_MS).valid.to_pylist()
    assert (
        row["attributes"]
        == '{ "z": 1, "a": [1.0, 2e3], "u": "\\u00e9", "n": 123456789012345678901234567890 }'
    )
    assert row["meta"] == '{"service":"a",  "created_at":1735722000000 }'
    assert row["raw"] == line.decode()


def test_invalid_utf8_inside_attributes_is_invalid_json():
    """The typed decoder skips attributes without decoding them: the batch's UTF-8 check
    catches what it would let through."""
    line = (
        b'{"data":{"id":"e","type":"t","attributes":{"k":"\xff"}},'
        b'"meta":{"created_at":1735722000000}}'
    )
    good = b'{"data":{"id":"f","type":"t","attributes":{}},"meta":{"created_at":1735722000000}}'
    batch = validate_lines(LineBatch.of([good, line]), MAX_MS)
    assert batch.valid.column("event_id").to_pylist() == ["f"]
    (rejection,) = batch.rejected
    assert rejection.reasons == ["invalid_json"] and rejection.raw.endswith(
        '"\\xff"}},"meta":{"created_at":1735722000000}}'
    )


def test_later_keys_win_as_in_any_json_reader():
    line = (
        b'{"data":{"id":1,"type":"t","attributes":{},"id":"e"},'
        b'"meta":{"created_at":"x","created_at":1735722000000}}'
    )
    parsed = parse_lines([line])
    assert parsed.shapes[parsed.shape_codes[0]] == VALID_SHAPE
    (row,) = validate_lines(LineBatch.of([line]), MAX_MS).valid.to_pylist()
    assert row["event_id"] == "e"


def test_numbers_beyond_double_range_are_json_and_kept_exactly():
    line = (
        b'{"data":{"id":"e","type":"t","attributes":{"x":1e400}},'
        b'"meta":{"created_at":1735722000000}}'
    )
    (row,) = validate_lines(LineBatch.of([line]), MAX_MS).valid.to_pylist()
    assert row["attributes"] == '{"x":1e400}'
