"""Progress lines for long runs: at most one per interval, with files, records, records/s and
which hour of how many; the interval comes from SLUICE_PROGRESS_SECONDS."""

import re

import pytest

from platform_assets.events.ingest import ingest_hours
from platform_assets.progress import ProgressLog, progress_interval
from tests.events.conftest import event, hour, land, ms


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_one_line_per_interval_not_per_batch():
    clock, lines = FakeClock(), []
    progress = ProgressLog(lines.append, "load", interval=10, clock=clock)
    progress.start_part(1, 2, "2025-01-01 00:00")
    progress.files(0, 3)
    for _ in range(5):  # five batches within the interval: silent
        clock.now += 1
        progress.add(1_000)
    assert lines == []
    clock.now += 5  # 10 s since the start
    progress.files(2, 3)
    progress.add(1_000)
    assert lines == [
        "load: hour 1 of 2 (2025-01-01 00:00): 2 of 3 files, 6,000 records read, 600 records/s"
    ]
    progress.start_part(2, 2, "2025-01-01 01:00")
    clock.now += 10
    progress.add(4_000)
    assert lines[-1] == (
        "load: hour 2 of 2 (2025-01-01 01:00): 4,000 records read, 10,000 in the run, 500 records/s"
    )


def test_the_interval_setting(monkeypatch):
    monkeypatch.delenv("SLUICE_PROGRESS_SECONDS", raising=False)
    assert progress_interval() == 10
    monkeypatch.setenv("SLUICE_PROGRESS_SECONDS", "0.5")
    assert progress_interval() == 0.5
    for bad in ["-1", "soon", "nan"]:
        monkeypatch.setenv("SLUICE_PROGRESS_SECONDS", bad)
        with pytest.raises(ValueError, match=f"SLUICE_PROGRESS_SECONDS='{bad}' is not a number"):
            progress_interval()


def test_a_range_run_says_which_hour_of_how_many(local_storage, monkeypatch):
    monkeypatch.setenv("SLUICE_PROGRESS_SECONDS", "0")  # a line for every batch
    hours = [hour(1, 10), hour(1, 11)]
    for arrival in hours:
        for name in ("a.jsonl", "b.jsonl"):
            land(
                local_storage,
                arrival,
                name,
                [event(f"{arrival:%H}{name}{i}", created_at=ms(arrival, i)) for i in range(3)],
            )
    lines = []
    stats = list(
        ingest_hours(
            local_storage, hours, batch_size=2, progress=ProgressLog(lines.append, "ingest_events")
        )
    )
    assert [s.records_read for s in stats] == [6, 6]
    pattern = (
        r"ingest_events: hour (\d) of 2 \(2025-01-01 1[01]:00\): (\d) of 2 files, "
        r"([\d,]+) records read.*, [\d,]+ records/s"
    )
    parsed = [re.fullmatch(pattern, line) for line in lines]
    assert all(parsed), lines
    # batches of 2 lines over 6 lines an hour: 3 lines per hour, counting up
    assert [(m[1], m[3]) for m in parsed] == [
        ("1", "2"),
        ("1", "4"),
        ("1", "6"),
        ("2", "2"),
        ("2", "4"),
        ("2", "6"),
    ]
    assert "in the run" in lines[-1] and "12 in the run" in lines[-1]


def test_quick_runs_stay_quiet(local_storage):
    land(local_storage, hour(1, 10), "a.jsonl", [event("q", created_at=ms(hour(1, 10), 1))])
    lines = []
    list(
        ingest_hours(
            local_storage, [hour(1, 10)], progress=ProgressLog(lines.append, "x", interval=10)
        )
    )
    assert lines == []


def test_stages_log_on_change_and_a_heartbeat_repeats_a_long_one():
    import time

    from platform_assets.progress import StageProgress

    lines = []
    with StageProgress(lines.append, "person_file big.csv", interval=0.05) as progress:
        progress.stage("reading")
        time.sleep(0.3)  # one long call: the heartbeat speaks for it
        progress.stage("validating", records=1_000)
    beats = [line for line in lines if line.startswith("person_file big.csv: reading, 0 records, ")]
    assert len(beats) >= 3, lines
    assert all(
        re.fullmatch(r"person_file big\.csv: \w+, [\d,]+ records, \d+ s so far.*", line)
        for line in lines
    )
    count = len(lines)
    time.sleep(0.15)
    assert len(lines) == count  # the heartbeat stops with the block

    quiet = []
    with StageProgress(quiet.append, "x", interval=10) as progress:
        progress.stage("reading")
        progress.stage("validating", records=5)
    assert quiet == []  # a quick run says nothing
