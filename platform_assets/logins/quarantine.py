"""The quarantine of one arrival hour: rejected login messages, raw, with every reason.

Written as one Parquet file per hour under ``quarantine/logins/`` (access-controlled storage:
the raw body is kept so a fix can be replayed). Row groups are flushed as chunks arrive, so
memory stays bounded; the file is published atomically, or removed when the hour has none.
"""

from __future__ import annotations

import tempfile
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

QUARANTINE_SCHEMA = pa.schema(
    [
        ("message_id", pa.string()),
        ("source_key", pa.string()),
        ("source_line", pa.int64()),
        ("received_at", pa.timestamp("us", tz="UTC")),
        ("arrival_hour", pa.timestamp("us", tz="UTC")),
        ("reasons", pa.list_(pa.string())),
        ("raw_body", pa.string()),
        ("quarantined_at", pa.timestamp("us", tz="UTC")),
    ]
)


class QuarantineFile:
    def __init__(self, key: str, arrival_hour: datetime):
        self.key = key
        self.arrival_hour = arrival_hour
        self.rows = 0
        self._seen: set[str] = set()  # a redelivered bad message is quarantined once per hour
        self._tmp = tempfile.TemporaryDirectory(prefix="sluice-quarantine-")
        self._path = Path(self._tmp.name) / "quarantine.parquet"
        self._writer = None
        self._now = datetime.now(timezone.utc)

    def add(self, quarantined) -> None:
        fresh = []
        for q in quarantined:  # also within one batch: a batch spans files
            if q.message.message_id not in self._seen:
                self._seen.add(q.message.message_id)
                fresh.append(q)
        if not fresh:
            return
        table = pa.Table.from_pylist(
            [
                {
                    "message_id": q.message.message_id,
                    "source_key": q.message.source_key,
                    "source_line": q.message.source_line,
                    "received_at": q.message.received_at,
                    "arrival_hour": self.arrival_hour,
                    "reasons": list(q.reasons),
                    "raw_body": q.message.body,
                    "quarantined_at": self._now,
                }
                for q in fresh
            ],
            schema=QUARANTINE_SCHEMA,
        )
        if self._writer is None:
            self._writer = pq.ParquetWriter(self._path, QUARANTINE_SCHEMA)
        self._writer.write_table(table)
        self.rows += len(fresh)

    def publish(self, storage) -> bool:
        """Put the file at its key (or delete a stale one); True when a file was written."""
        try:
            if self._writer is None:
                storage.delete(self.key)
                return False
            self._writer.close()
            storage.put_file(self._path, self.key)
            return True
        finally:
            self._tmp.cleanup()
