"""Two runs of one events arrival hour never lose or duplicate a record (issue 13, #1).

The overlap of the issue: run A starts, a file lands, run B starts, A finishes last. With
the hour's lease (platform_assets/partition_lease.py) B stops at once naming A (or, once A's
lease expired, B takes the hour over and A's fenced publish stops); the hour is then
ingested again and holds every record exactly once.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
import threading
from pathlib import Path

import pytest

from platform_assets.events.ingest import decide_duplicates, ingest_hour, prepare_hour
from platform_assets.events.layout import manifest_key
from platform_assets.events.publish import publish_hour
from platform_assets.partition_lease import (
    LeaseLostError,
    PartitionBusyError,
    acquire,
    holder_of,
    lease_key,
)
from tests.events.conftest import event, hour, land, ms
from tests.fixtures.lake_storage import lake_ids, quarantine_rows

H = hour(1, 10)
STEM = "2025-01-01T10"


def first_and_late_files(lake_storage) -> tuple[list[str], list[str]]:
    first = [f"a{i}" for i in range(50)]
    late = [f"n{i}" for i in range(200)]  # the file that lands between the two runs' starts
    land(
        lake_storage,
        H,
        "000-first.jsonl",
        [event(i, created_at=ms(H, 1)) for i in first] + ["{bad"],
    )
    return first, late


def land_late(lake_storage, late: list[str]) -> None:
    land(
        lake_storage,
        H,
        "100-late.jsonl",
        [event(i, f"type_{n % 7}", created_at=ms(H, 2)) for n, i in enumerate(late)],
    )


def test_a_second_run_stops_at_once_naming_the_hour_and_the_holder(lake_storage):
    first, late = first_and_late_files(lake_storage)
    ingest_hour(lake_storage, H)
    holding = acquire(lake_storage, "events", STEM, holder="run A-1234")  # run A is publishing
    land_late(lake_storage, late)
    with pytest.raises(
        PartitionBusyError, match=r"events 2025-01-01T10 is being processed by run A-1234"
    ):
        ingest_hour(lake_storage, H, holder="run B-5678")
    assert lake_ids(lake_storage) == sorted(first)  # B touched nothing
    holding.release()

    # The retry (what raw_events_sensor requests once the hour is free) ingests every record.
    stats = ingest_hour(lake_storage, H, holder="run B-retry")
    assert (stats.records_read, stats.valid, stats.quarantined) == (251, 250, 1)
    assert lake_ids(lake_storage) == sorted(first + late)
    assert quarantine_rows(lake_storage) == [
        ("landing/events/2025/01/01/10/000-first.jsonl", 51, "invalid_json")
    ]
    assert holder_of(lake_storage, "events", STEM) is None  # released


def test_the_run_that_started_first_and_finishes_last_cannot_publish_over_the_other(
    lake_storage, tmp_path
):
    first, late = first_and_late_files(lake_storage)
    # Run A starts: its lease, then its reading of the hour (one file). It then freezes for
    # longer than its lease's ttl (here: a ttl that has already run out).
    lease_a = acquire(lake_storage, "events", STEM, holder="run A", ttl=0.001)
    prepared_a = prepare_hour(lake_storage, H, tmp_path)
    decision_a = decide_duplicates(lake_storage, prepared_a)
    land_late(lake_storage, late)
    # Run B takes the expired lease over (generation 2) and publishes both files.
    stats_b = ingest_hour(lake_storage, H, holder="run B")
    assert stats_b.valid == 250
    # A wakes up and tries to publish its stale view of the hour: fenced off, nothing written.
    with pytest.raises(
        LeaseLostError, match=r"events 2025-01-01T10: lease of run A \(generation 1\) lost"
    ):
        publish_hour(lake_storage, prepared_a, decision_a, lease_a)
    assert lake_ids(lake_storage) == sorted(first + late)
    assert len(quarantine_rows(lake_storage)) == 1
    assert b'"complete": true' in lake_storage.read_bytes(manifest_key(H))


def test_two_runs_started_together_never_lose_or_duplicate_a_record(local_lake):
    first, late = first_and_late_files(local_lake)
    land_late(local_lake, late)
    for trial in range(6):
        start = threading.Barrier(2)
        outcomes: dict[str, object] = {}

        def run(name: str) -> None:
            start.wait()
            try:
                outcomes[name] = ingest_hour(local_lake, H, holder=f"run {name}").valid
            except Exception as err:  # noqa: BLE001 - recorded and asserted below
                outcomes[name] = err

        threads = [threading.Thread(target=run, args=(name,)) for name in ("A", "B")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        # Each run either ingested the whole hour or stopped at once naming the other.
        for name, outcome in outcomes.items():
            other = "B" if name == "A" else "A"
            assert outcome == 250 or (
                isinstance(outcome, PartitionBusyError)
                and f"processed by run {other}" in str(outcome)
            ), (trial, outcome)
        assert 250 in outcomes.values()
        assert lake_ids(local_lake) == sorted(first + late), trial
        assert len(quarantine_rows(local_lake)) == 1, trial
        assert holder_of(local_lake, "events", STEM) is None


def test_a_lease_held_by_another_process_stops_this_one(local_lake, tmp_path):
    """Across processes: a real second process takes the lease and holds it until told."""
    land(local_lake, H, "f.jsonl", [event("x1")])
    script = textwrap.dedent(
        f"""
        import sys
        from platform_assets.partition_lease import acquire
        from resources.storage import StorageResource
        storage = StorageResource(url={local_lake.url!r})
        lease = acquire(storage, "events", "{STEM}", holder="run other-process")
        print("held", flush=True)
        sys.stdin.readline()
        lease.release()
        """
    )
    other = subprocess.Popen(
        [sys.executable, "-c", script],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=os.getcwd(),
    )
    try:
        assert other.stdout.readline().strip() == "held"
        with pytest.raises(PartitionBusyError, match="run other-process"):
            ingest_hour(local_lake, H)
        assert lake_ids(local_lake) == []
    finally:
        other.communicate("\n", timeout=30)
    assert ingest_hour(local_lake, H).valid == 1


def test_a_killed_holder_does_not_block_the_hour(local_lake):
    """A holder on this machine whose process is gone: its lease is taken over at once."""
    land(local_lake, H, "f.jsonl", [event("x1")])
    script = (
        "import os\n"
        "from platform_assets.partition_lease import acquire\n"
        "from resources.storage import StorageResource\n"
        f"storage = StorageResource(url={local_lake.url!r})\n"
        f"acquire(storage, 'events', '{STEM}', holder='run killed')\n"
        "os._exit(0)  # no release: as if killed\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, cwd=os.getcwd())
    assert b"run killed" in local_lake.read_bytes(lease_key("events", STEM))
    stats = ingest_hour(local_lake, H, holder="run next")
    assert stats.valid == 1
    assert not local_lake.exists(lease_key("events", STEM))


def test_a_lease_is_created_once_whoever_races_for_it(lake_storage):
    """The conditional create itself: of 8 threads, exactly one gets the lease."""
    start = threading.Barrier(8)
    won: list[str] = []

    def take(name: str) -> None:
        start.wait()
        try:
            acquire(lake_storage, "events", STEM, holder=name)
            won.append(name)
        except PartitionBusyError:
            pass

    threads = [threading.Thread(target=take, args=(f"run {n}",)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1
    assert holder_of(lake_storage, "events", STEM) == won[0]


def test_ingest_working_files_are_removed_when_the_hour_is_busy(local_lake):
    land(local_lake, H, "f.jsonl", [event("x1")])
    lease = acquire(local_lake, "events", STEM, holder="run A")
    spill = Path(tempfile.mkdtemp())
    with pytest.raises(PartitionBusyError):
        ingest_hour(local_lake, H, spill_dir=spill)
    assert list(spill.iterdir()) == []  # it stopped before reading anything
    lease.release()


def test_a_fenced_run_names_the_run_that_took_the_hour_over(local_lake, tmp_path):
    land(local_lake, H, "f.jsonl", [event("x1")])
    lease_a = acquire(local_lake, "events", STEM, holder="run A", ttl=0.001)
    prepared = prepare_hour(local_lake, H, tmp_path)
    decision = decide_duplicates(local_lake, prepared)
    lease_b = acquire(local_lake, "events", STEM, holder="run B")  # takes the expired lease over
    assert lease_b.generation == 2
    with pytest.raises(LeaseLostError, match=r"now held by run B \(generation 2\)"):
        publish_hour(local_lake, prepared, decision, lease_a)
    assert not local_lake.exists(manifest_key(H)) and lake_ids(local_lake) == []
    lease_b.release()
