"""Which rows of a generated file are dirty, and how: shared by the persons, logins and
customers generators.

A generator asks for ``round(rows * dirty_share)`` dirty rows at random positions; their kinds
cycle through the domain's list, so every kind appears once the dirty count reaches the number
of kinds. Each kind is named after the reason code the domain's validator gives it, and the
generator reports the exact reasons it expects per row: tests compare them with the validator.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field


def dirty_count(rows: int, dirty_share: float) -> int:
    return round(rows * dirty_share)


def plan_dirty_rows(
    rng: random.Random, rows: int, dirty_share: float, kinds: list[str]
) -> list[str | None]:
    """One entry per row: None for a clean row, else the dirty kind it must have."""
    positions = rng.sample(range(rows), dirty_count(rows, dirty_share))
    plan: list[str | None] = [None] * rows
    # Kinds in a shuffled cycle, so a small dirty count still mixes them.
    order = list(kinds)
    rng.shuffle(order)
    for n, position in enumerate(positions):
        plan[position] = order[n % len(order)]
    return plan


@dataclass
class GeneratedFile:
    """One landing file as written: its key and, per dirty record, the reasons expected.

    ``dirty`` is keyed by the locator the domain's validator reports: the physical line in a
    CSV (header is line 1) or the line in a ``.jsonl`` file.
    """

    key: str
    records: int = 0
    dirty: dict[int, tuple[str, ...]] = field(default_factory=dict)

    def summary(self) -> dict:
        kinds: dict[str, int] = {}
        for reasons in self.dirty.values():
            kinds[reasons[0]] = kinds.get(reasons[0], 0) + 1
        return {
            "key": self.key,
            "records": self.records,
            "dirty": len(self.dirty),
            "dirty_by_kind": dict(sorted(kinds.items())),
        }
