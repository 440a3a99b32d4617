"""The ingest against independent implementations of the same rules, on dirty data.

Generated data (every malformed kind, late events, redeliveries across hours, gzip and
CRLF files) must give exactly what the DuckDB baseline gives; the public upstream sample,
remapped to the envelope, must keep each event once.
"""

import json
from datetime import UTC, datetime, timedelta

import duckdb

from platform_assets.events.ingest import ingest_hour
from platform_assets.events.layout import arrival_hour_of
from tests.events.lake_queries import query
from tools.bench.duckdb_events_baseline import ingest_with_duckdb
from tools.generate.events import generate_events
from tools.generate.upstream_events import write_upstream_sample

START = datetime(2025, 2, 1, 0, tzinfo=UTC)


def test_generated_hours_match_the_duckdb_baseline(local_storage, tmp_path):
    summary = generate_events(
        local_storage,
        events=6_000,
        start=START,
        hours=3,
        types=40,
        files_per_hour=3,
        malformed_rate=0.05,
        late_rate=0.05,
        duplicate_rate=0.05,
        seed=7,
    )
    hours = [START + timedelta(hours=i) for i in range(3)]
    stats = [ingest_hour(local_storage, hour, batch_size=700) for hour in hours]
    baseline = ingest_with_duckdb(
        local_storage.backend.root / "landing" / "events", tmp_path / "duck", hours
    )

    read = sum(s.records_read for s in stats)
    valid = sum(s.valid for s in stats)
    assert read == baseline["read"] == summary["records"]
    assert valid == baseline["valid"]
    assert sum(s.duplicates for s in stats) == baseline["duplicates"] > 0
    assert sum(s.quarantined for s in stats) == baseline["quarantined"]

    ours = {row[0] for row in query(local_storage, "lake/events/", "SELECT event_id FROM t")}
    theirs = {
        row[0]
        for row in duckdb.sql(
            f"SELECT event_id FROM read_parquet('{tmp_path}/duck/lake/**/*.parquet', "
            "hive_partitioning=true)"
        ).fetchall()
    }
    assert len(ours) == valid and ours == theirs
    # Every record is accounted for, in the quarantine or the lake.
    (quarantined,) = query(local_storage, "quarantine/events/", "SELECT count(*) FROM t")[0]
    assert quarantined + valid == read


def test_upstream_sample_keeps_each_event_once(local_storage, sample_data):
    files = sorted((sample_data / "events-upstream-default").glob("*.json"))
    written = write_upstream_sample(local_storage, [str(f) for f in files])
    hours = sorted({arrival_hour_of(key) for key in written})
    stats = [ingest_hour(local_storage, hour) for hour in hours]

    assert sum(s.records_read for s in stats) == 5447
    assert sum(s.duplicates for s in stats) == 1052  # re-sent copies, seconds later
    assert sum(s.valid for s in stats) == 4395
    assert sum(s.quarantined for s in stats) == 1052
    counts = query(
        local_storage,
        "lake/events/",
        "SELECT event_type, count(*), count(DISTINCT event_id) FROM t GROUP BY 1 ORDER BY 1",
    )
    # Independently of the remap: distinct event_ids per domain.event_type in the source.
    expected: dict[str, set] = {}
    for path in files:
        for line in filter(str.strip, path.read_text().splitlines()):
            record = json.loads(line)
            kind = f"{record['domain']}.{record['event_type']}".replace("/", ".")
            expected.setdefault(kind, set()).add(record["event_id"])
    assert [(t, n) for t, n, _ in counts] == sorted((t, len(ids)) for t, ids in expected.items())
    assert all(n == distinct for _, n, distinct in counts)
