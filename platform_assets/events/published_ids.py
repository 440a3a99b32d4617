"""Which event ids the lake already holds near a cell, from OTHER arrival hours.

A redelivery is the same event: same type, and the same or a re-stamped ``created_at``
(the public sample re-sends events a few seconds later). So an id is looked for in its
own cell and in the same type's cells up to ``window_hours`` event hours either side:
a handful of small reads of one column, never a scan of the lake. Files named after the
arrival hour being ingested are skipped, so a re-run never sees its own earlier output.
"""

from __future__ import annotations

from datetime import datetime

import pyarrow.parquet as pq

from platform_assets.events.layout import (
    hour_from_epoch_hours,
    lake_cell_prefix,
    partition_file_stem,
)
from resources.storage import StorageResource

DEFAULT_WINDOW_HOURS = 1


class PublishedIds:
    def __init__(self, storage: StorageResource, arrival_hour: datetime, window_hours: int = DEFAULT_WINDOW_HOURS):
        self.storage = storage
        self.own_file = f"{partition_file_stem(arrival_hour)}.parquet"
        self.window_hours = window_hours
        # Cells are visited in (type, hour) order: keep only this type's recent hours.
        self._cache: dict[tuple[str, int], frozenset[str]] = {}
        self.files_read = 0

    def near(self, event_type: str, epoch_hours: int) -> list[frozenset[str]]:
        """Id sets of the cells (event_type, epoch_hours ± window) that hold anything."""
        low, high = epoch_hours - self.window_hours, epoch_hours + self.window_hours
        self._cache = {k: v for k, v in self._cache.items() if k[0] == event_type and k[1] >= low}
        found = []
        for hours in range(low, high + 1):
            cell = (event_type, hours)
            if cell not in self._cache:
                self._cache[cell] = self._read_cell(event_type, hours)
            if self._cache[cell]:
                found.append(self._cache[cell])
        return found

    def _read_cell(self, event_type: str, epoch_hours: int) -> frozenset[str]:
        prefix = lake_cell_prefix(event_type, hour_from_epoch_hours(epoch_hours))
        filesystem, base = self.storage.arrow_filesystem()
        ids: set[str] = set()
        for obj in self.storage.list_objects(prefix):
            if obj.key.endswith("/" + self.own_file) or not obj.key.endswith(".parquet"):
                continue
            table = pq.read_table(f"{base}/{obj.key}", columns=["event_id"], filesystem=filesystem)
            ids.update(table.column("event_id").to_pylist())
            self.files_read += 1
        return frozenset(ids)
