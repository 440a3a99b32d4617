"""The shape of an event type's attributes, unioned across files, as typed columns.

DuckDB's ``json_group_structure`` describes a set of JSON documents: an object becomes a
dict of key -> structure, an array a one-element list, a scalar a type name (NULL, BOOLEAN,
UBIGINT, BIGINT, HUGEINT, DOUBLE, VARCHAR), and disagreeing kinds ``"JSON"``. The catalog
infers one structure per lake file (so a refresh reads new files only) and unions them here
with the same rules DuckDB applies within a file; ``column_types`` then picks the SQL types
of the view's columns.
"""

from __future__ import annotations

from typing import Union

Structure = Union[str, list, dict]

_INTEGERS = {"UBIGINT", "BIGINT", "HUGEINT"}
_NUMBERS = _INTEGERS | {"DOUBLE"}


def merge(a: Structure, b: Structure) -> Structure:
    """The structure of the documents described by ``a`` and by ``b`` together.

    Keys are unioned (a key missing from some documents keeps its type), null adds nothing,
    integers of both signs widen to HUGEINT, integers and doubles to DOUBLE, and different
    kinds (a string here, a number there; an object here, a scalar there) become JSON.
    """
    if a == b:
        return a
    if a == "NULL":
        return b
    if b == "NULL":
        return a
    if isinstance(a, dict) and isinstance(b, dict):
        out = dict(a)
        for key, value in b.items():
            out[key] = merge(out[key], value) if key in out else value
        return out
    if isinstance(a, list) and isinstance(b, list):
        return [merge(a[0] if a else "NULL", b[0] if b else "NULL")]
    if isinstance(a, str) and isinstance(b, str):
        if a in _INTEGERS and b in _INTEGERS:
            return "HUGEINT"
        if a in _NUMBERS and b in _NUMBERS:
            return "DOUBLE"
    return "JSON"


def top_level(structure: Structure) -> dict:
    """Attributes are always objects; DuckDB reports files whose objects are all ``{}`` as JSON."""
    return structure if isinstance(structure, dict) else {}


def column_type(structure: Structure) -> Structure:
    """The ``json_transform`` type for one attribute (a type name, or nested list/dict).

    - integers become BIGINT (UBIGINT would make ``a - b`` overflow when negative; values
      beyond 64 bits read as NULL and stay exact in the raw ``attributes`` column);
    - mixed kinds become VARCHAR: ``1`` and ``"x"`` read as '1' and 'x', an object as its JSON text;
    - always-null attributes and empty objects become JSON (nothing to type yet);
    - objects become STRUCTs with their keys in sorted order, arrays become LISTs.
    """
    if isinstance(structure, dict):
        if not structure:
            return "JSON"
        return {key: column_type(structure[key]) for key in sorted(structure)}
    if isinstance(structure, list):
        return [column_type(structure[0] if structure else "NULL")]
    if structure in _INTEGERS:  # a str here: lists and dicts were handled above
        return "BIGINT"
    if structure == "JSON":
        return "VARCHAR"
    if structure == "NULL":
        return "JSON"
    return structure
