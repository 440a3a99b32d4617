"""Local spill files that keep the ingest's memory bounded by the batch size.

Valid events are spilled per lake cell (type x event hour) so each lake file can be
written from its own rows; event ids are spilled per hash bucket so duplicates can be
found one bucket at a time. Both use Arrow IPC streams (lz4) on local disk.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from pyarrow import ipc

_IPC_OPTIONS = ipc.IpcWriteOptions(compression="lz4")


class CellSpill:
    """Rows grouped by a cell key, with at most ``max_open`` files open at once.

    A cell whose writer was closed to make room gets a new part file when it is written
    again; its parts are read back in order, so row order is kept.
    """

    def __init__(self, directory: Path, schema: pa.Schema, max_open: int = 256):
        self.directory = directory
        self.schema = schema
        self.max_open = max_open
        self._open: OrderedDict[tuple, ipc.RecordBatchStreamWriter] = OrderedDict()
        self._parts: dict[tuple, list[Path]] = {}
        self.rows: dict[tuple, int] = {}
        self._files = 0

    def write(self, cell: tuple, table: pa.Table) -> None:
        writer = self._open.get(cell)
        if writer is None:
            if len(self._open) >= self.max_open:
                _, oldest = self._open.popitem(last=False)
                oldest.close()
            parts = self._parts.setdefault(cell, [])
            self._files += 1
            path = self.directory / f"cell-part-{self._files}.arrow"
            parts.append(path)
            writer = ipc.new_stream(str(path), self.schema, options=_IPC_OPTIONS)
            self._open[cell] = writer
        else:
            self._open.move_to_end(cell)
        writer.write_table(table)
        self.rows[cell] = self.rows.get(cell, 0) + table.num_rows

    def close(self) -> None:
        for writer in self._open.values():
            writer.close()
        self._open.clear()

    def cells(self) -> list[tuple]:
        return sorted(self._parts)

    def read(self, cell: tuple) -> Iterator[pa.RecordBatch]:
        for path in self._parts[cell]:
            with ipc.open_stream(str(path)) as reader:
                yield from reader


class IdBuckets:
    """(event_id, seq) pairs spread over hash buckets; all copies of an id share one."""

    SCHEMA = pa.schema([("event_id", pa.string()), ("seq", pa.int64())])

    def __init__(self, directory: Path, buckets: int = 64):
        self.buckets = buckets
        self._writers = [
            ipc.new_stream(str(directory / f"ids-{i}.arrow"), self.SCHEMA, options=_IPC_OPTIONS)
            for i in range(buckets)
        ]
        self._paths = [directory / f"ids-{i}.arrow" for i in range(buckets)]

    def write(self, event_ids: list[str], seqs: pa.Array) -> None:
        groups: dict[int, list[int]] = {}
        for index, event_id in enumerate(event_ids):
            groups.setdefault(hash(event_id) % self.buckets, []).append(index)
        table = pa.table({"event_id": event_ids, "seq": seqs}, schema=self.SCHEMA)
        for bucket, indices in groups.items():
            self._writers[bucket].write_table(table.take(indices))

    def close(self) -> None:
        for writer in self._writers:
            writer.close()

    def later_duplicates(self) -> set[int]:
        """seq of every occurrence of an id after its first one (lowest seq)."""
        duplicates: set[int] = set()
        for path in self._paths:
            with ipc.open_stream(str(path)) as reader:
                table = reader.read_all()
            if table.num_rows < 2:
                continue
            table = table.sort_by([("event_id", "ascending"), ("seq", "ascending")])
            ids = table.column("event_id")
            same_as_previous = pc.equal(ids.slice(1), ids.slice(0, table.num_rows - 1))
            later = table.column("seq").slice(1).filter(same_as_previous)
            duplicates.update(later.to_pylist())
        return duplicates
