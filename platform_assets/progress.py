"""Progress lines for long runs: what is done, at most once per interval, never per record.

An hour of 2M events, a 1M-row person file or a day of logins runs for minutes; without a
line between STEP_START and the end, a user cannot tell a slow run from a stuck one. Callers
report per batch (one clock read each); a line goes out when ``SLUICE_PROGRESS_SECONDS``
(default 10) have passed since the last one. Dagster-free: the asset passes its logger.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable

PROGRESS_SECONDS_VARIABLE = "SLUICE_PROGRESS_SECONDS"
DEFAULT_PROGRESS_SECONDS = 10.0


def progress_interval() -> float:
    """``SLUICE_PROGRESS_SECONDS`` (0: a line per batch), or a clear error."""
    value = os.environ.get(PROGRESS_SECONDS_VARIABLE, "").strip()
    if not value:
        return DEFAULT_PROGRESS_SECONDS
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not seconds >= 0:  # also refuses nan
        raise ValueError(
            f"{PROGRESS_SECONDS_VARIABLE}={value!r} is not a number of seconds >= 0 "
            f"(default {DEFAULT_PROGRESS_SECONDS:g})"
        )
    return seconds


class _IntervalLog:
    """What both progress reporters share: where lines go, what they name, how often."""

    def __init__(
        self,
        log: Callable[[str], None],
        what: str,
        interval: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.log = log
        self.what = what
        self.interval = progress_interval() if interval is None else interval
        self.clock = clock
        self.started = self.last = clock()


class ProgressLog(_IntervalLog):
    """Counts records and files for a run of one or more parts (hours or files) and logs
    ``<what>: hour 3 of 24 (2025-01-01 02:00): 4 of 10 files, 120,000 records in this hour,
    1,560,000 in the run, 85,000 records/s`` when the interval has passed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.part = ""
        self.files_done = 0
        self.files_total = 0
        self.part_records = 0
        self.records = 0

    def start_part(self, index: int, total: int, label: str, unit: str = "hour") -> None:
        """A new part begins (``index`` from 1); its file and record counts start at zero."""
        self.part = f"{unit} {index} of {total} ({label})" if total > 1 else label
        self.files_done = self.files_total = self.part_records = 0

    def files(self, done: int, total: int) -> None:
        self.files_done, self.files_total = done, total

    def add(self, records: int) -> None:
        """``records`` more were read; log if the interval has passed (one clock read)."""
        self.part_records += records
        self.records += records
        now = self.clock()
        if now - self.last >= self.interval:
            self.last = now
            self.log(self.line(now))

    def line(self, now: float | None = None) -> str:
        elapsed = (self.clock() if now is None else now) - self.started
        rate = self.records / elapsed if elapsed > 0 else 0.0
        where = f"{self.part}: " if self.part else ""
        files = f"{self.files_done} of {self.files_total} files, " if self.files_total else ""
        in_run = f", {self.records:,} in the run" if self.records != self.part_records else ""
        return (
            f"{self.what}: {where}{files}{self.part_records:,} records read{in_run}, "
            f"{rate:,.0f} records/s"
        )


class StageProgress(_IntervalLog):
    """Progress for work done in a few long calls (a pandas read, a validation, a COPY), where
    there is no batch loop to report from: ``stage()`` names what is running (a line when the
    interval has passed since the last one), and a background thread repeats the current
    stage every interval while it runs. Use as a context manager."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.current = "starting"
        self.records = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> StageProgress:
        if self.interval > 0:  # 0 means a line per stage, and no heartbeat
            self._thread = threading.Thread(target=self._beat, name="sluice-progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def stage(self, name: str, records: int | None = None) -> None:
        with self._lock:
            self.current = name
            if records is not None:
                self.records = records
            if self.clock() - self.last >= self.interval:
                self._emit()

    def _beat(self) -> None:
        while not self._stop.wait(self.interval):
            with self._lock:
                if self.clock() - self.last >= self.interval * 0.9:
                    self._emit()

    def _emit(self) -> None:
        self.last = now = self.clock()
        elapsed = now - self.started
        rate = f", {self.records / elapsed:,.0f} records/s" if self.records and elapsed > 0 else ""
        self.log(
            f"{self.what}: {self.current}, {self.records:,} records, {elapsed:.0f} s so far{rate}"
        )
