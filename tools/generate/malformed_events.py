"""Every way an event line can break the envelope rules, as generator recipes.

Each recipe starts from a well-formed record and breaks exactly one rule, so a test can
tell which rule the pipeline enforced. ``category`` groups recipes by the part of the
envelope they break; the ingest's own reason codes are finer-grained and are its business.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

import orjson

MIN_CREATED_AT_MS = 946_684_800_000  # 2000-01-01T00:00:00Z


@dataclass
class RecordParts:
    """A record as raw JSON fragments, key -> text, so any fragment can be made invalid."""

    data: dict[str, str]
    meta: dict[str, str]
    meta_first: bool = False

    def render(self, data: str | None = None, meta: str | None = None) -> str:
        data_text = data if data is not None else _object(self.data)
        meta_text = meta if meta is not None else _object(self.meta)
        top = {"data": data_text, "meta": meta_text}
        if self.meta_first:
            top = {"meta": meta_text, "data": data_text}
        return _object({k: v for k, v in top.items() if v != _OMIT})


_OMIT = "\0omit"  # a fragment value meaning "leave this key out"


def _object(fields: dict[str, str]) -> str:
    return "{" + ",".join(f'"{k}":{v}' for k, v in fields.items() if v != _OMIT) + "}"


def _with(parts: RecordParts, section: str, key: str, value: str) -> str:
    data, meta = dict(parts.data), dict(parts.meta)
    (data if section == "data" else meta)[key] = value
    return RecordParts(data, meta, parts.meta_first).render()


def _type_text(parts: RecordParts) -> str:
    return orjson.loads(parts.data["type"])


Recipe = Callable[[random.Random, RecordParts, int], str]  # (rng, parts, max_created_at_ms)


def _truncated(rng, parts, _bound):
    line = parts.render()
    # Cut strictly inside the object: an unbalanced brace can never parse.
    return line[: rng.randint(1, len(line) - 2)]


def _s(value) -> str:
    return orjson.dumps(value).decode()


RECIPES: dict[str, tuple[str, Recipe]] = {
    "truncated_json": ("invalid_json", _truncated),
    "top_level_array": ("not_object", lambda r, p, b: "[" + p.render() + "]"),
    "top_level_number": ("not_object", lambda r, p, b: r.choice(["42", "1549650668000", "-0.5"])),
    "top_level_string": ("not_object", lambda r, p, b: _s(p.render())),
    "missing_data": ("data", lambda r, p, b: p.render(data=_OMIT)),
    "data_not_object": (
        "data",
        lambda r, p, b: p.render(data=r.choice(['"data"', "[]", "null", "7"])),
    ),
    "missing_id": ("id", lambda r, p, b: _with(p, "data", "id", _OMIT)),
    "empty_id": ("id", lambda r, p, b: _with(p, "data", "id", '""')),
    "id_not_string": (
        "id",
        lambda r, p, b: _with(p, "data", "id", r.choice(["12345", "null", "true", '["x"]'])),
    ),
    "missing_type": ("type", lambda r, p, b: _with(p, "data", "type", _OMIT)),
    "type_not_string": (
        "type",
        lambda r, p, b: _with(p, "data", "type", r.choice(["42", "null", "false", "{}"])),
    ),
    "type_empty": ("type", lambda r, p, b: _with(p, "data", "type", '""')),
    "type_with_slash": (
        "type",
        lambda r, p, b: _with(p, "data", "type", _s(_type_text(p) + "/../../etc")),
    ),
    "type_dotdot_prefix": (
        "type",
        lambda r, p, b: _with(p, "data", "type", _s(".." + _type_text(p))),
    ),
    "type_with_space": (
        "type",
        lambda r, p, b: _with(p, "data", "type", _s(_type_text(p) + " v2")),
    ),
    "type_unicode": ("type", lambda r, p, b: _with(p, "data", "type", _s(_type_text(p) + "_é"))),
    "type_129_chars": (
        "type",
        lambda r, p, b: _with(p, "data", "type", _s((_type_text(p) + "_x" * 129)[:129])),
    ),
    # "\n" escaped inside the JSON string: a `$`-anchored regex would wrongly accept it.
    "type_trailing_newline": (
        "type",
        lambda r, p, b: _with(p, "data", "type", _s(_type_text(p) + "\n")),
    ),
    "missing_attributes": ("attributes", lambda r, p, b: _with(p, "data", "attributes", _OMIT)),
    "attributes_not_object": (
        "attributes",
        lambda r, p, b: _with(p, "data", "attributes", r.choice(["[1,2]", '"attrs"', "null"])),
    ),
    "missing_meta": ("meta", lambda r, p, b: p.render(meta=_OMIT)),
    "meta_not_object": (
        "meta",
        lambda r, p, b: p.render(meta=r.choice(['"meta"', "[]", "null", "5"])),
    ),
    "missing_created_at": ("created_at", lambda r, p, b: _with(p, "meta", "created_at", _OMIT)),
    "created_at_bool": (
        "created_at",
        lambda r, p, b: _with(p, "meta", "created_at", r.choice(["true", "false"])),
    ),
    "created_at_float": (
        "created_at",
        lambda r, p, b: _with(
            p, "meta", "created_at", r.choice(["1.5e12", p.meta["created_at"] + ".0"])
        ),
    ),
    "created_at_string": (
        "created_at",
        lambda r, p, b: _with(p, "meta", "created_at", _s(p.meta["created_at"])),
    ),
    "created_at_before_2000": (
        "created_at",
        lambda r, p, b: _with(
            p, "meta", "created_at", str(r.choice([0, -1, MIN_CREATED_AT_MS - 1]))
        ),
    ),
    "created_at_too_far_future": (
        "created_at",
        lambda r, p, b: _with(p, "meta", "created_at", str(b + r.randint(1, 30 * 86_400_000))),
    ),
    # Beyond int64 (and beyond uint64): a parser must reject, not wrap or crash.
    "created_at_huge_integer": (
        "created_at",
        lambda r, p, b: _with(
            p, "meta", "created_at", r.choice(["9223372036854775808", "99999999999999999999"])
        ),
    ),
}

KIND_NAMES = tuple(RECIPES)
