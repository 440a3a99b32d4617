"""Redelivered events: byte-exact copies of earlier valid lines, as at-least-once producers send."""

from __future__ import annotations

import random
from collections import deque

RECENT_REDELIVERY_POOL = 8192  # most redeliveries are of something sent moments ago...
OLD_REDELIVERY_POOL = 1024  # ...some of something sent hours earlier


class Redeliveries:
    """Earlier valid lines to re-send byte for byte (bounded memory)."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.recent: deque[str] = deque(maxlen=RECENT_REDELIVERY_POOL)
        self.old: list[str] = []
        self.seen = 0

    def remember(self, line: str) -> None:
        self.recent.append(line)
        self.seen += 1
        # Reservoir sample over all history: redeliveries from hours or days ago.
        if len(self.old) < OLD_REDELIVERY_POOL:
            self.old.append(line)
        elif (slot := self.rng.randrange(self.seen)) < OLD_REDELIVERY_POOL:
            self.old[slot] = line

    def pick(self) -> str | None:
        if not self.recent:
            return None
        pool = self.old if self.rng.random() < 0.2 else self.recent
        return pool[self.rng.randrange(len(pool))]
