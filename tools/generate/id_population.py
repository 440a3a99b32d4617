"""Bounded populations of synthetic ids (users, items) with long-tailed activity.

Real traffic comes from a finite set of users, a few of them very active and most of them
seen a handful of times a day; per-user marts and the per-user API are only realistic over
such a population. The ids are derived from the seed and a label only, so the same seed
always names the same users, whatever the number of events drawn from them.
"""

from __future__ import annotations

import random

EVENTS_PER_USER = 20  # the population is sized so that a run has ~1 user per 20 events
EVENTS_PER_ITEM = 10
# Activity skew: index = size * u**SKEW. With 2, the top 1% of users make ~10% of the
# events and the top 10% ~32%, while the least active still expect 1/SKEW of their share
# (~10 events at 20 per user), so nearly every user of the population appears.
USER_SKEW = 2.0
ITEM_SKEW = 2.0


def _uuid(rng: random.Random) -> str:
    h = "%032x" % rng.getrandbits(128)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


class IdPopulation:
    """``size`` ids, stable for (``label``, ``seed``); ``pick`` draws one, long-tailed."""

    def __init__(self, size: int, seed: int, label: str, skew: float):
        if size < 1:
            raise ValueError(f"--{label}s must be at least 1, got {size}")
        rng = random.Random(f"{label}-{seed}")
        self.ids = [_uuid(rng) for _ in range(size)]
        self.skew = skew

    def __len__(self) -> int:
        return len(self.ids)

    def index(self, rng: random.Random) -> int:
        """A member's rank: 0 is the most active."""
        return int(len(self.ids) * rng.random() ** self.skew)

    def pick(self, rng: random.Random) -> str:
        return self.ids[self.index(rng)]


def default_size(events: int, events_per_member: int) -> int:
    return max(1, events // events_per_member)
