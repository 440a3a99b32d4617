"""Parse event lines into the envelope's fields and their JSON kinds, with msgspec.

Two decoders, both msgspec (C, and consistent with each other on what is JSON):

- A typed decode takes the common case, a record of the valid shape, in one call:
  ``data.id`` and ``data.type`` strings, ``meta.created_at`` an integer. ``attributes``
  and ``meta`` come back as ``msgspec.Raw``: the exact bytes they arrived as, never
  built into Python objects and serialized again. That is the lake's lossless copy.
- Records it refuses (a few percent) go through a loose decode whose every field is Raw,
  so each field's JSON kind is read off its first byte: missing, object, string, ...

Whether a line is JSON at all is decided by msgspec (RFC 8259: no NaN, no trailing
commas, no control characters in strings) plus a UTF-8 check of every line, done for the
whole batch at once by Arrow: a Raw value is skipped, not decoded, so msgspec alone would
let invalid UTF-8 inside ``attributes`` through. Nesting deeper than Python's recursion
limit allows is not decoded and counts as invalid JSON.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import msgspec
import numpy as np
import pyarrow as pa

INT64_MAX = 2**63 - 1

# A line's shape: whether it is JSON ("ok" or "invalid"), then the JSON kind of the top
# value and of each envelope field ("missing" if absent, NOT_APPLICABLE if its parent is
# missing or not an object), joined by "/". A valid record has exactly VALID_SHAPE.
NOT_APPLICABLE = "-"
EXPECTED_KINDS = {
    "json": "ok",
    "top_kind": "object",
    "data_kind": "object",
    "id_kind": "string",
    "type_kind": "string",
    "attributes_kind": "object",
    "meta_kind": "object",
    "created_at_kind": "integer",
}
SHAPE_PARTS = list(EXPECTED_KINDS)
VALID_SHAPE = "/".join(EXPECTED_KINDS.values())
VALUE_COLUMNS = ["event_id", "event_type", "attributes", "meta", "created_at", "user_id"]

_DECODE_ERRORS = (
    msgspec.DecodeError,
    UnicodeDecodeError,
    RecursionError,
)  # ValidationError is a DecodeError


class _Data(msgspec.Struct):
    id: str
    type: str
    attributes: msgspec.Raw


class _Envelope(msgspec.Struct):
    data: _Data
    meta: msgspec.Raw


class _Meta(msgspec.Struct):
    created_at: int


class _Attributes(msgspec.Struct):
    # Only user_id is decoded; every other attribute is skipped by msgspec's C parser.
    user_id: Any = None


_ABSENT = msgspec.Raw(b"")  # no JSON value is empty: an empty Raw is a missing field


class _AnyData(msgspec.Struct):
    id: msgspec.Raw = _ABSENT
    type: msgspec.Raw = _ABSENT
    attributes: msgspec.Raw = _ABSENT


class _AnyEnvelope(msgspec.Struct):
    data: msgspec.Raw = _ABSENT
    meta: msgspec.Raw = _ABSENT


class _AnyMeta(msgspec.Struct):
    created_at: msgspec.Raw = _ABSENT


_ENVELOPE = msgspec.json.Decoder(_Envelope)
_META = msgspec.json.Decoder(_Meta)
_ATTRIBUTES = msgspec.json.Decoder(_Attributes)
_ANY_ENVELOPE = msgspec.json.Decoder(_AnyEnvelope)
_ANY_DATA = msgspec.json.Decoder(_AnyData)
_ANY_META = msgspec.json.Decoder(_AnyMeta)
_ANY_VALUE = msgspec.json.Decoder(msgspec.Raw)
_STRING = msgspec.json.Decoder(str)
_INTEGER = msgspec.json.Decoder(int)


@dataclass
class ParsedBatch:
    """Per line: its envelope values (None where not applicable) and its shape."""

    texts: list[bytes]
    values: tuple[list, ...]  # VALUE_COLUMNS, each a list over the lines
    shape_codes: np.ndarray  # per line, an index into ``shapes``
    shapes: list[str]  # the shapes seen, VALID_SHAPE first
    utf8: pa.Array | None  # the lines as an Arrow string array, if all are UTF-8

    def column(self, name: str) -> pa.Array:
        values = self.values[VALUE_COLUMNS.index(name)]
        if name == "created_at":
            return pa.array(values, pa.int64())  # both paths keep it within int64
        if name in ("attributes", "meta"):
            # Slices of a line that is valid UTF-8, cut at ASCII delimiters: valid too.
            return pa.array(values, pa.binary()).view(pa.string())
        return pa.array(values, pa.string())  # event_id, event_type, user_id

    def raw_text(self) -> pa.Array:
        """Every line as text (invalid UTF-8 bytes escaped as \\xNN)."""
        if self.utf8 is not None:
            return self.utf8
        return pa.array(
            [text.decode("utf-8", errors="backslashreplace") for text in self.texts], pa.string()
        )


def _in_int64(value: int) -> int:
    return value if -INT64_MAX <= value <= INT64_MAX else -1


def user_id_of(attributes: bytes) -> str | None:
    """``attributes.user_id`` if it is a string, else None. ``attributes`` is a JSON object's
    text that msgspec has already checked: only its user_id is decoded."""
    try:
        user_id = _ATTRIBUTES.decode(attributes).user_id
    except _DECODE_ERRORS:  # invalid UTF-8 inside: the line is refused as not UTF-8 anyway
        return None
    return user_id if type(user_id) is str else None


def _parse_valid_shapes(texts: list[bytes]) -> tuple[list[list], list[int]]:
    """The fast path over a batch: VALUE_COLUMNS as lists, and the rows it did not take
    (their values None). One loop appending to six lists: no object per row for the
    cyclic collector to walk, and ~25% faster than a tuple per row."""
    columns: list[list] = [[], [], [], [], [], []]
    add_id, add_type, add_attributes, add_meta, add_created_at, add_user_id = (
        column.append for column in columns
    )
    decode, decode_meta, decode_attributes = _ENVELOPE.decode, _META.decode, _ATTRIBUTES.decode
    refused = []
    for row, text in enumerate(texts):
        try:
            envelope = decode(text)
            created_at = decode_meta(envelope.meta).created_at
            attributes = bytes(envelope.data.attributes)
            # Refuses attributes that are not an object; inside one, decodes user_id alone.
            user_id = decode_attributes(attributes).user_id
        except _DECODE_ERRORS:
            envelope = None
        if (
            envelope is not None and -INT64_MAX <= created_at <= INT64_MAX
        ):  # else out of range anyway
            data = envelope.data
            add_id(data.id)
            add_type(data.type)
            add_attributes(attributes)
            add_meta(bytes(envelope.meta))
            add_created_at(created_at)
            add_user_id(user_id if type(user_id) is str else None)
            continue
        refused.append(row)
        for add in (add_id, add_type, add_attributes, add_meta, add_created_at, add_user_id):
            add(None)
    return columns, refused


def _kind(raw: bytes) -> str:
    """The JSON kind of one value's text (msgspec already checked that it is JSON)."""
    if not raw:
        return "missing"
    first = raw[:1]
    if first == b"{":
        return "object"
    if first == b'"':
        return "string"
    if first == b"[":
        return "array"
    if first in (b"t", b"f"):
        return "boolean"
    if first == b"n":
        return "null"
    return "float" if (b"." in raw or b"e" in raw or b"E" in raw) else "integer"


_INVALID = ((None,) * 6, ("invalid",) + (NOT_APPLICABLE,) * 7)


def _parse_any_shape(text: bytes) -> tuple[tuple, tuple]:
    """The slow path: (values, kinds) of any line, kinds in SHAPE_PARTS order."""
    try:
        envelope = _ANY_ENVELOPE.decode(text)
    except msgspec.ValidationError:  # not an object, if it is JSON at all
        try:
            top_kind = _kind(bytes(_ANY_VALUE.decode(text)))
        except _DECODE_ERRORS:
            return _INVALID
        return (None,) * 6, ("ok", top_kind) + (NOT_APPLICABLE,) * 6
    except _DECODE_ERRORS:
        return _INVALID
    data, meta = bytes(envelope.data), bytes(envelope.meta)
    data_kind, meta_kind = _kind(data), _kind(meta)
    event_id = event_type = attributes = meta_text = created_at = user_id = None
    id_kind = type_kind = attributes_kind = created_at_kind = NOT_APPLICABLE
    if data_kind == "object":
        fields = _ANY_DATA.decode(data)
        id_raw, type_raw, attributes_raw = (
            bytes(fields.id),
            bytes(fields.type),
            bytes(fields.attributes),
        )
        id_kind, type_kind, attributes_kind = _kind(id_raw), _kind(type_raw), _kind(attributes_raw)
        event_id = _STRING.decode(id_raw) if id_kind == "string" else None
        event_type = _STRING.decode(type_raw) if type_kind == "string" else None
        if attributes_kind == "object":
            attributes, user_id = attributes_raw, user_id_of(attributes_raw)
    if meta_kind == "object":
        created_at_raw = bytes(_ANY_META.decode(meta).created_at)
        created_at_kind = _kind(created_at_raw)
        created_at = (
            _in_int64(_INTEGER.decode(created_at_raw)) if created_at_kind == "integer" else None
        )
        meta_text = meta
    values = (event_id, event_type, attributes, meta_text, created_at, user_id)
    return values, (
        "ok",
        "object",
        data_kind,
        id_kind,
        type_kind,
        attributes_kind,
        meta_kind,
        created_at_kind,
    )


@contextmanager
def _gc_paused():
    # A batch allocates a few objects per line that all live until the batch is done, so
    # the cyclic collector would run over and over and find nothing.
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _utf8(texts: list[bytes]) -> tuple[pa.Array | None, list[int]]:
    """The lines as an Arrow string array, or None and the rows that are not UTF-8."""
    binary = pa.array(texts, pa.binary())
    try:
        return binary.cast(pa.string()), []  # Arrow validates the whole batch in one pass
    except pa.ArrowInvalid:
        bad = []
        for row, text in enumerate(texts):
            try:
                text.decode("utf-8")
            except UnicodeDecodeError:
                bad.append(row)
        return None, bad


def parse_lines(texts: list[bytes]) -> ParsedBatch:
    """Parse a batch of lines (no CR/LF) into envelope values and kinds."""
    with _gc_paused():
        utf8, not_utf8 = _utf8(texts)
        columns, refused = _parse_valid_shapes(texts)
        shape_codes = np.zeros(len(texts), dtype=np.int32)  # VALID_SHAPE, until shown otherwise
        shapes = {VALID_SHAPE: 0}
        not_utf8 = set(not_utf8)  # the fast path does not look inside attributes: these too
        for row in sorted(not_utf8.union(refused)):
            values, kinds = _INVALID if row in not_utf8 else _parse_any_shape(texts[row])
            for column, value in zip(columns, values):
                column[row] = value
            shape_codes[row] = shapes.setdefault("/".join(kinds), len(shapes))
    return ParsedBatch(texts, tuple(columns), shape_codes, list(shapes), utf8)
