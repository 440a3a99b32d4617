"""Parse and validate one batch of raw event lines. Pure: no I/O, no Dagster.

A line is valid iff it is a JSON object whose ``data`` is an object with ``id`` a
non-empty string, ``type`` a string matching TYPE_PATTERN (it becomes a path element),
``attributes`` an object, and whose ``meta`` is an object with ``created_at`` a JSON
integer of epoch millis in [2000-01-01, end of the arrival hour + 24 h].

Parsing is msgspec's (see envelope_parse.py): it reports the line's shape (the JSON kind
of every envelope field) and keeps ``attributes`` and ``meta`` as the exact text they
arrived as. pandera validates that parsed envelope, every row: the shape, the id, the
type and created_at; its lazy failure cases become our reason codes, all that apply per
record (a failing shape names the fields that are missing or of the wrong kind).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow as pyarrow

from platform_assets.events.envelope_parse import (
    EXPECTED_KINDS,
    NOT_APPLICABLE,
    SHAPE_PARTS,
    VALID_SHAPE,
    ParsedBatch,
    parse_lines,
)
from platform_assets.events.line_batch import LineBatch

TYPE_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}"
MIN_CREATED_AT_MS = 946_684_800_000  # 2000-01-01T00:00:00Z
FUTURE_TOLERANCE_MS = 24 * 3_600_000

# Stable reason codes, the public vocabulary of the quarantine.
INVALID_JSON = "invalid_json"
NOT_AN_OBJECT = "not_an_object"
CREATED_AT_OUT_OF_RANGE = "created_at_out_of_range"
DUPLICATE_ID = "duplicate_id"

# Per field kind column: (JSON path used in the missing:<path> code, bad code).
SHAPE_CODES = {
    "data_kind": ("data", "bad_data"),
    "id_kind": ("data.id", "bad_id"),
    "type_kind": ("data.type", "bad_type"),
    "attributes_kind": ("data.attributes", "bad_attributes"),
    "meta_kind": ("meta", "bad_meta"),
    "created_at_kind": ("meta.created_at", "bad_created_at"),
}
ALL_REASONS = sorted(
    {INVALID_JSON, NOT_AN_OBJECT, CREATED_AT_OUT_OF_RANGE, DUPLICATE_ID}
    | {f"missing:{path}" for path, _ in SHAPE_CODES.values()}
    | {bad for _, bad in SHAPE_CODES.values()}
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
        ("user_id", pyarrow.string()),  # data.attributes.user_id when it is a string
    ]
)


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


def decode_raw(text: bytes) -> str:
    # Invalid UTF-8 cannot go into a string column; escaping keeps every byte visible.
    return text.decode("utf-8", errors="backslashreplace")


def envelope_schema(max_created_at_ms: int) -> pa.DataFrameSchema:
    """pandera's view of a parsed envelope; nulls mean 'not applicable' and pass.

    One column for the shape, not one per field: pandera's cost is per failing column
    (it formats each column's failure cases), and the shape carries every field's kind."""
    return pa.DataFrameSchema(
        {
            "shape": pa.Column(checks=pa.Check.isin([VALID_SHAPE])),
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


def shape_reasons(shape: str) -> list[str]:
    """The reason codes of a shape other than VALID_SHAPE."""
    kinds = dict(zip(SHAPE_PARTS, shape.split("/"), strict=True))
    if kinds["json"] != "ok":
        return [INVALID_JSON]
    if kinds["top_kind"] != "object":
        return [NOT_AN_OBJECT]
    codes = []
    for part, (path, bad) in SHAPE_CODES.items():
        if kinds[part] not in (EXPECTED_KINDS[part], NOT_APPLICABLE):
            codes.append(f"missing:{path}" if kinds[part] == "missing" else bad)
    return codes


def _reasons(column: str, failure_case) -> list[str]:
    if column == "shape":
        return shape_reasons(failure_case)
    if column == "event_id":
        return ["bad_id"]
    if column == "event_type":
        return ["bad_type"]
    return [CREATED_AT_OUT_OF_RANGE]


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
            raise ValueError(
                f"envelope schema failed as a whole on column {column}: {failure_case}"
            )
        row = reasons.setdefault(int(index), [])
        for code in _reasons(column, failure_case):
            if code not in row:
                row.append(code)
    return {row: sorted(codes) for row, codes in reasons.items()}


def envelope_frame(parsed: ParsedBatch) -> pd.DataFrame:
    """The parsed envelope as pandera sees it: the shape as a categorical, the values
    Arrow-backed (pandas' vectorized string and number methods then run in Arrow's C++)."""
    columns = {"shape": pd.Categorical.from_codes(parsed.shape_codes, categories=parsed.shapes)}
    for name in ("event_id", "event_type", "created_at"):
        columns[name] = pd.Series(parsed.column(name).to_pandas(types_mapper=pd.ArrowDtype))
    return pd.DataFrame(columns)


def validate_lines(lines: LineBatch, max_created_at_ms: int) -> ValidatedBatch:
    """Split one batch into valid events (an Arrow table) and rejections with every reason."""
    parsed = parse_lines(lines.texts)
    bad = reasons_by_row(envelope_frame(parsed), envelope_schema(max_created_at_ms))
    rows = sorted(bad)
    sources = lines.source_keys_at(np.array(rows, dtype=np.int64))
    line_numbers = lines.line_number_array()
    event_ids = parsed.column("event_id")
    rejected = [
        Rejection(
            raw=decode_raw(lines.texts[row]),
            reasons=bad[row],
            source_key=source,
            line_number=int(line_numbers[row]),
            event_id=event_ids[row].as_py(),
        )
        for row, source in zip(rows, sources)
    ]
    return ValidatedBatch(valid=_valid_table(lines, parsed, line_numbers, rows), rejected=rejected)


def _valid_table(
    lines: LineBatch, parsed: ParsedBatch, line_numbers: np.ndarray, bad_rows: list[int]
) -> pyarrow.Table:
    """The valid rows as VALID_SCHEMA, column by column (Arrow does the per-row work)."""
    table = pyarrow.table(
        {
            "event_id": parsed.column("event_id"),
            "event_type": parsed.column("event_type"),
            "created_at": parsed.column("created_at").cast(pyarrow.timestamp("ms", tz="UTC")),
            "attributes": parsed.column("attributes"),
            "meta": parsed.column("meta"),
            "raw": parsed.raw_text(),
            "source_key": lines.source_key_array(),
            "line_number": pyarrow.array(line_numbers),
            "seq": pyarrow.array(lines.seq_array()),
            "user_id": parsed.column("user_id"),
        },
        schema=VALID_SCHEMA,
    )
    if not bad_rows:
        return table
    keep = np.ones(len(lines), dtype=bool)
    keep[bad_rows] = False
    return table.filter(pyarrow.array(keep))
