"""Parse and validate one batch of raw event lines. Pure: no I/O, no Dagster.

A line is valid iff it is a JSON object whose ``data`` is an object with ``id`` a
non-empty string, ``type`` a string matching TYPE_PATTERN (it becomes a path element),
``attributes`` an object, and whose ``meta`` is an object with ``created_at`` a JSON
integer of epoch millis in [2000-01-01, end of the arrival hour + 24 h].

Python extracts the *shape* of every field (its JSON kind); pandera validates the parsed
envelope and its lazy failure cases become our reason codes, all that apply per record.
"""

from __future__ import annotations

import gc
import json
from contextlib import contextmanager
from dataclasses import dataclass, field

import orjson
import pandas as pd
import pandera.pandas as pa
import pyarrow as pyarrow

TYPE_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}"
MIN_CREATED_AT_MS = 946_684_800_000  # 2000-01-01T00:00:00Z
FUTURE_TOLERANCE_MS = 24 * 3_600_000
INT64_MAX = 2**63 - 1

# Stable reason codes, the public vocabulary of the quarantine.
INVALID_JSON = "invalid_json"
NOT_AN_OBJECT = "not_an_object"
CREATED_AT_OUT_OF_RANGE = "created_at_out_of_range"
DUPLICATE_ID = "duplicate_id"

# Per shape column: (JSON kind it must have, path used in the missing:<path> code, bad code).
SHAPE_RULES = {
    "data_kind": ("object", "data", "bad_data"),
    "id_kind": ("string", "data.id", "bad_id"),
    "type_kind": ("string", "data.type", "bad_type"),
    "attributes_kind": ("object", "data.attributes", "bad_attributes"),
    "meta_kind": ("object", "meta", "bad_meta"),
    "created_at_kind": ("integer", "meta.created_at", "bad_created_at"),
}
ALL_REASONS = sorted(
    {INVALID_JSON, NOT_AN_OBJECT, CREATED_AT_OUT_OF_RANGE, DUPLICATE_ID}
    | {f"missing:{path}" for _, path, _ in SHAPE_RULES.values()}
    | {bad for _, _, bad in SHAPE_RULES.values()}
)

VALID_SCHEMA = pyarrow.schema(
    [
        ("event_id", pyarrow.string()),
        ("event_type", pyarrow.string()),
        ("created_at", pyarrow.timestamp("ms", tz="UTC")),
        ("attributes", pyarrow.string()),
        ("meta", pyarrow.string()),
        ("raw", pyarrow.string()),
        ("source_key", pyarrow.string()),
        ("line_number", pyarrow.int64()),
        ("seq", pyarrow.int64()),
    ]
)


@dataclass(slots=True)
class RawLine:
    """One non-blank landing line and where it came from."""

    text: bytes
    source_key: str
    line_number: int  # 1-based, counting every physical line of the file
    seq: int  # global order within the arrival hour: key order, then line order


@dataclass
class Rejection:
    raw: str
    reasons: list[str]
    source_key: str
    line_number: int
    event_id: str | None = None


@dataclass
class ValidatedBatch:
    valid: pyarrow.Table
    rejected: list[Rejection] = field(default_factory=list)


_KIND_BY_TYPE = {dict: "object", str: "string", bool: "boolean", int: "integer", float: "float", list: "array"}


def _kind(value) -> str:
    # An exact type lookup (bool is not int here): this runs ~6 times per record.
    return _KIND_BY_TYPE.get(type(value), "null")


_MISSING = object()


# orjson turns integers beyond 64 bits into floats without a word; a run of 19+ digits
# sends the line to the stdlib parser, which keeps them exact. (translate + `in` is 5x
# cheaper than a regex on this hot path.)
_DIGITS_AS_ZERO = bytes(48 if 48 <= i <= 57 else 120 for i in range(256))
_LONG_DIGIT_RUN = b"0" * 19


def _reject_constant(name):
    raise ValueError(f"{name} is not JSON")


def _loads(text: bytes):
    if _LONG_DIGIT_RUN not in text.translate(_DIGITS_AS_ZERO):
        return orjson.loads(text)
    return json.loads(text, parse_constant=_reject_constant)


def _dumps(value) -> str:
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # integers beyond 64 bits, kept exactly
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def decode_raw(text: bytes) -> str:
    # Invalid UTF-8 cannot go into a string column; escaping keeps every byte visible.
    return text.decode("utf-8", errors="backslashreplace")


def _in_int64(value: int) -> int:
    # Outside int64 it is out of range anyway; -1 keeps the column integral.
    return value if -INT64_MAX <= value <= INT64_MAX else -1


def _extract(text: bytes) -> tuple:
    """The envelope's shape and values: (json, top, data, id, type, attrs, meta, created_at kinds+values)."""
    try:
        record = _loads(text)
    except (ValueError, RecursionError, UnicodeDecodeError):
        return _INVALID_JSON_ROW
    # The common case first, with one exact type test per field (bool is not int here):
    # this runs once per event and is most of the parse time.
    if type(record) is dict:
        data = record.get("data")
        meta = record.get("meta")
        if type(data) is dict and type(meta) is dict:
            event_id = data.get("id")
            event_type = data.get("type")
            attributes = data.get("attributes")
            created_at = meta.get("created_at")
            if type(event_id) is str and type(event_type) is str and type(attributes) is dict and type(created_at) is int:
                return (
                    "ok", "object", "object", "string", event_id, "string", event_type,
                    "object", _dumps(attributes), "object", _dumps(meta), "integer", _in_int64(created_at),
                )
    return _extract_shapes(record)


_INVALID_JSON_ROW = ("invalid",) + (None,) * 12


def _extract_shapes(record) -> tuple:
    """The slow path: every field's kind, for records that may be invalid."""
    if not isinstance(record, dict):
        return ("ok", _kind(record)) + (None,) * 11
    data = record.get("data", _MISSING)
    meta = record.get("meta", _MISSING)
    data_kind = "missing" if data is _MISSING else _kind(data)
    meta_kind = "missing" if meta is _MISSING else _kind(meta)
    id_kind = type_kind = attributes_kind = event_id = event_type = attributes = None
    if data_kind == "object":
        event_id = data.get("id", _MISSING)
        event_type = data.get("type", _MISSING)
        attributes = data.get("attributes", _MISSING)
        id_kind = "missing" if event_id is _MISSING else _kind(event_id)
        type_kind = "missing" if event_type is _MISSING else _kind(event_type)
        attributes_kind = "missing" if attributes is _MISSING else _kind(attributes)
        event_id = event_id if id_kind == "string" else None
        event_type = event_type if type_kind == "string" else None
        attributes = _dumps(attributes) if attributes_kind == "object" else None
    created_at_kind = created_at = meta_json = None
    if meta_kind == "object":
        created_at = meta.get("created_at", _MISSING)
        created_at_kind = "missing" if created_at is _MISSING else _kind(created_at)
        created_at = _in_int64(created_at) if created_at_kind == "integer" else None
        meta_json = _dumps(meta)
    return (
        "ok", "object", data_kind, id_kind, event_id, type_kind, event_type,
        attributes_kind, attributes, meta_kind, meta_json, created_at_kind, created_at,
    )


COLUMNS = [
    "json", "top_kind", "data_kind", "id_kind", "event_id", "type_kind", "event_type",
    "attributes_kind", "attributes", "meta_kind", "meta", "created_at_kind", "created_at",
]


def envelope_schema(max_created_at_ms: int) -> pa.DataFrameSchema:
    """pandera's view of a parsed envelope; nulls mean 'not applicable' and pass."""

    def kind_column(kind: str) -> pa.Column:
        return pa.Column(nullable=True, checks=pa.Check.isin([kind]))

    return pa.DataFrameSchema(
        {
            "json": pa.Column(checks=pa.Check.isin(["ok"])),
            "top_kind": kind_column("object"),
            **{name: kind_column(kind) for name, (kind, _, _) in SHAPE_RULES.items()},
            "event_id": pa.Column(nullable=True, checks=pa.Check.str_length(min_value=1)),
            "event_type": pa.Column(
                nullable=True,
                checks=pa.Check(lambda s: s.str.fullmatch(TYPE_PATTERN), name="type_pattern"),
            ),
            "created_at": pa.Column(
                nullable=True,
                checks=pa.Check.in_range(MIN_CREATED_AT_MS, max_created_at_ms),
            ),
        },
        coerce=False,
    )


def _reason(column: str, failure_case) -> str:
    if column == "json":
        return INVALID_JSON
    if column == "top_kind":
        return NOT_AN_OBJECT
    if column in SHAPE_RULES:
        _, path, bad = SHAPE_RULES[column]
        return f"missing:{path}" if failure_case == "missing" else bad
    if column == "event_id":
        return "bad_id"
    if column == "event_type":
        return "bad_type"
    return CREATED_AT_OUT_OF_RANGE


def reasons_by_row(frame: pd.DataFrame, schema: pa.DataFrameSchema) -> dict[int, list[str]]:
    """Run pandera lazily and turn its failure cases into reason codes per row position."""
    try:
        schema.validate(frame, lazy=True)
        return {}
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
    reasons: dict[int, list[str]] = {}
    for column, failure_case, index in zip(cases["column"], cases["failure_case"], cases["index"]):
        if index is None or pd.isna(index):
            raise ValueError(f"envelope schema failed as a whole on column {column}: {failure_case}")
        code = _reason(column, failure_case)
        row = reasons.setdefault(int(index), [])
        if code not in row:
            row.append(code)
    return {row: sorted(codes) for row, codes in reasons.items()}


@contextmanager
def _gc_paused():
    # A batch allocates ~10 objects per line that all live until the batch is done, so the
    # cyclic collector would run over and over and find nothing (measured: ~8% of an ingest).
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def validate_lines(lines: list[RawLine], max_created_at_ms: int) -> ValidatedBatch:
    """Split one batch into valid events (an Arrow table) and rejections with every reason."""
    with _gc_paused():
        return _validate_lines(lines, max_created_at_ms)


def _validate_lines(lines: list[RawLine], max_created_at_ms: int) -> ValidatedBatch:
    rows = [_extract(line.text) for line in lines]
    columns = list(zip(*rows)) if rows else [()] * len(COLUMNS)
    # object dtype from the start: letting pandas infer its string dtype and converting back
    # costs more than the validation itself.
    frame = pd.DataFrame({name: pd.Series(values, dtype=object) for name, values in zip(COLUMNS, columns)})
    bad = reasons_by_row(frame, envelope_schema(max_created_at_ms))
    rejected = [
        Rejection(
            raw=decode_raw(lines[i].text),
            reasons=codes,
            source_key=lines[i].source_key,
            line_number=lines[i].line_number,
            event_id=rows[i][4],
        )
        for i, codes in sorted(bad.items())
    ]
    return ValidatedBatch(valid=_valid_table(lines, columns, bad), rejected=rejected)


def _valid_table(lines: list[RawLine], columns: list[tuple], bad: dict[int, list[str]]) -> pyarrow.Table:
    """The valid rows as VALID_SCHEMA, built column by column (Arrow does the per-row work)."""
    by_name = dict(zip(COLUMNS, columns))
    keep = None
    if bad:
        keep = pyarrow.array([i not in bad for i in range(len(lines))], pyarrow.bool_())

    def column(values, type_):
        # Every extracted value already has its column's type or is None (see _extract).
        array = pyarrow.array(values, type_)
        return array if keep is None else array.filter(keep)

    return pyarrow.table(
        {
            "event_id": column(by_name["event_id"], pyarrow.string()),
            "event_type": column(by_name["event_type"], pyarrow.string()),
            "created_at": column(by_name["created_at"], pyarrow.int64()).cast(pyarrow.timestamp("ms", tz="UTC")),
            "attributes": column(by_name["attributes"], pyarrow.string()),
            "meta": column(by_name["meta"], pyarrow.string()),
            "raw": _raw_texts([line.text for line in lines], keep),
            "source_key": column([line.source_key for line in lines], pyarrow.string()),
            "line_number": column([line.line_number for line in lines], pyarrow.int64()),
            "seq": column([line.seq for line in lines], pyarrow.int64()),
        },
        schema=VALID_SCHEMA,
    )


def _raw_texts(texts: list[bytes], keep: pyarrow.Array | None) -> pyarrow.Array:
    raw = pyarrow.array(texts, pyarrow.binary())
    if keep is not None:
        raw = raw.filter(keep)
    try:
        return raw.cast(pyarrow.string())  # checks UTF-8: valid JSON text nearly always is
    except pyarrow.ArrowInvalid:
        return pyarrow.array([decode_raw(text) for text in raw.to_pylist()], pyarrow.string())
