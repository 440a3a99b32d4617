"""The lake writer and the cell order it relies on: one file per cell, every kept row, in
seq order, however many cells an hour has and however few files may be open at once."""

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from platform_assets.events.lake_writer import LAKE_SCHEMA, write_lake_files
from platform_assets.events.spill import CellStore, sort_by_cell
from platform_assets.events.validate import VALID_SCHEMA
from tests.events.conftest import HOUR_MS, hour, ms

H = hour(2, 6)


def valid_rows(count: int, types: int, hours: int, first_seq: int = 0) -> pa.Table:
    """Rows spread over ``types`` x ``hours`` cells, interleaved as lines arrive."""
    seqs = list(range(first_seq, first_seq + count))
    return pa.table(
        {
            "event_id": [f"e{s}" for s in seqs],
            "event_type": [f"type_{s % types:03d}" for s in seqs],
            "created_at": pa.array(
                [ms(H) - (s % hours) * HOUR_MS + s for s in seqs], pa.int64()
            ).cast(pa.timestamp("ms", tz="UTC")),
            "attributes": ['{"n":1}'] * count,
            "meta": ['{"created_at":0}'] * count,
            "raw": ["{}"] * count,
            "source_key": ["landing/x.jsonl"] * count,
            "line_number": pa.array([s + 1 for s in seqs], pa.int64()),
            "seq": pa.array(seqs, pa.int64()),
            "user_id": [f"u{s % 13}" if s % 5 else None for s in seqs],
        },
        schema=VALID_SCHEMA,
    )


def test_sort_by_cell_finds_every_cell_and_its_rows():
    table = valid_rows(1000, types=7, hours=3)
    ordered, cells = sort_by_cell(table)
    assert len(cells) == 21 and sum(length for _, _, length in cells) == 1000
    for (event_type, epoch_hour), start, length in cells:
        rows = ordered.slice(start, length)
        assert set(rows.column("event_type").to_pylist()) == {event_type}
        assert {c // HOUR_MS for c in rows.column("created_at").cast(pa.int64()).to_pylist()} == {
            epoch_hour
        }
        assert rows.column("seq").to_pylist() == sorted(rows.column("seq").to_pylist())
    assert sort_by_cell(table.slice(0, 0)) == (table.slice(0, 0), [])


def write(store: CellStore, tmp_path: Path, dropped=(), max_open_files=64):
    base = tmp_path / "lake"
    base.mkdir()
    dropped = np.array(sorted(dropped), dtype=np.int64)
    return base, write_lake_files(store, dropped, base, ".tmp", max_open_files=max_open_files)


def cells_of(table: pa.Table) -> set:
    hours = [c // HOUR_MS for c in table.column("created_at").cast(pa.int64()).to_pylist()]
    return set(zip(table.column("event_type").to_pylist(), hours, strict=True))


def assert_one_file_per_cell(base: Path, written, expected_rows: int):
    files = sorted(str(p) for p in base.rglob("*") if p.is_file())
    assert files == sorted(written.paths.values())  # nothing but one file per cell
    assert sum(written.rows.values()) == expected_rows
    for cell, path in written.paths.items():
        table = pq.read_table(path)
        assert table.schema.names == LAKE_SCHEMA.names  # partition columns live in the path
        assert table.num_rows == written.rows[cell]
        seqs = [int(line) - 1 for line in table.column("line_number").to_pylist()]
        assert seqs == sorted(seqs)  # arrival order within the cell
        assert table.column("user_id").to_pylist() == [
            f"u{s % 13}" if s % 5 else None for s in seqs
        ]


def test_an_hour_in_memory_with_more_cells_than_open_files(tmp_path):
    rows = valid_rows(3000, types=150, hours=7)
    store = CellStore(tmp_path, VALID_SCHEMA, memory_rows=10**6)
    store.add(rows)
    store.finish()
    base, written = write(store, tmp_path, dropped={5, 6, 2999})
    assert len(written.paths) == len(cells_of(rows)) == 1050  # at most 64 files open at once
    assert_one_file_per_cell(base, written, 2997)
    (copies,) = written.duplicates
    assert sorted(copies.column("event_id").to_pylist()) == ["e2999", "e5", "e6"]


def test_a_spilled_hour_with_more_cells_than_open_files(tmp_path):
    parts = [valid_rows(600, types=100, hours=3, first_seq=600 * part) for part in range(5)]
    store = CellStore(tmp_path, VALID_SCHEMA, memory_rows=700)
    for part in parts:  # two flushes to disk, then an in-memory rest: cells span 3 chunks
        store.add(part)
    store.finish()
    base, written = write(store, tmp_path)
    assert len(written.paths) == len(cells_of(pa.concat_tables(parts))) == 300
    assert_one_file_per_cell(base, written, 3000)


def test_every_column_is_zstd(tmp_path):
    store = CellStore(tmp_path, VALID_SCHEMA, memory_rows=10**6)
    store.add(valid_rows(50, types=2, hours=1))
    store.finish()
    _, written = write(store, tmp_path)
    for path in written.paths.values():
        row_group = pq.ParquetFile(path).metadata.row_group(0)
        assert {row_group.column(i).compression for i in range(row_group.num_columns)} == {"ZSTD"}


def test_a_spilled_hour_reads_back_in_bounded_groups_of_whole_cells(tmp_path):
    """Groups hold whole cells in order, within the bounds; a cell bigger than the row bound
    streams alone, in pieces, in seq order; together they hold every row once."""
    rows = pa.concat_tables(
        [valid_rows(500, types=40, hours=2, first_seq=500 * part) for part in range(6)]
        + [valid_rows(900, types=1, hours=1, first_seq=3000)]  # type_000 at hour 0 grows big
    )
    store = CellStore(tmp_path, VALID_SCHEMA, memory_rows=400)
    for start in range(0, rows.num_rows, 150):
        store.add(rows.slice(start, 150))
    store.finish()
    assert store.spilled
    seen, seqs, streamed = [], [], 0
    for group in store.groups(max_rows=400, max_cells=25):
        if group.table is None:
            streamed += 1
            ((cell, _, count),) = group.cells
            pieces = list(group.pieces)
            assert count > 400 and all(piece.num_rows <= 4096 for piece in pieces)
            cell_seqs = [s for piece in pieces for s in piece.column("seq").to_pylist()]
        else:
            assert len(group.cells) <= 25 and group.table.num_rows <= 400
            for cell, start, count in group.cells:
                part = group.table.slice(start, count)
                assert cells_of(part) == {cell}
                seen.append(cell)
                seqs += part.column("seq").to_pylist()
            continue
        assert cell_seqs == sorted(cell_seqs)
        seen.append(cell)
        seqs += cell_seqs
    assert seen == store.cells() and streamed == 1
    assert sorted(seqs) == list(range(rows.num_rows))
