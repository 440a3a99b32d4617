"""Names of the catalog's views and columns: readable, stable, and never colliding.

View names are ``<prefix>_<name>`` with the name lowercased and every character outside
``[a-z0-9_]`` replaced by ``_`` (``order.paid`` -> ``events_order_paid``). When several
names clean to the same view name, a name that was already clean keeps it and the others get
``_<6 hex digits of sha1(original name)>`` (``events_order_paid_1c9b0a``): a suffix that does
not depend on which other names exist, so adding a type never renames another's view unless
they collide. ``sluice.tables`` maps every view back to its event type or dataset.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict

_UNSAFE = re.compile(r"[^a-z0-9_]")


def clean(name: str) -> str:
    return _UNSAFE.sub("_", name.lower())


def _suffix(name: str) -> str:
    return hashlib.sha1(name.encode("utf-8")).hexdigest()[:6]


def view_names(prefix: str, names: list[str]) -> dict[str, str]:
    """Original name -> view name, for every name (see the module docstring for the rule)."""
    by_clean: dict[str, list[str]] = defaultdict(list)
    for name in names:
        by_clean[clean(name)].append(name)
    out: dict[str, str] = {}
    for cleaned, originals in by_clean.items():
        base = f"{prefix}_{cleaned}"
        for name in originals:
            unique = len(originals) == 1 or name == cleaned
            out[name] = base if unique else f"{base}_{_suffix(name)}"
    return out


def attribute_columns(keys: list[str], reserved: list[str]) -> dict[str, str]:
    """Attribute key -> column name, in sorted key order.

    A key is its own column name (any characters; views quote it) unless it collides,
    case-insensitively as DuckDB compares names, with a reserved envelope column or an
    earlier key: then ``attr_<key>``, then ``attr_<key>_2``, ``_3``...
    """
    taken = {name.lower() for name in reserved}
    out: dict[str, str] = {}
    for key in sorted(keys):
        candidate = key if key else "attr_"
        if candidate.lower() in taken:
            candidate = f"attr_{key}"
        number = 2
        base = candidate
        while candidate.lower() in taken:
            candidate = f"{base}_{number}"
            number += 1
        taken.add(candidate.lower())
        out[key] = candidate
    return out
