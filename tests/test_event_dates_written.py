"""The run requests of the two sensors that follow the event dates the ingest wrote."""

import logging

from dagster import build_sensor_context

from sensors.event_dates_written import date_run_requests


class Lines(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(record.getMessage())


def test_only_partition_dates_are_requested_and_the_others_named(monkeypatch):
    monkeypatch.setenv("SLUICE_EVENTS_START", "2025-01-02-00:00")
    latest = {"2025-01-01": 7, "2025-01-03": 9, "2025-01-02": 8, "2999-01-01": 10}
    context, lines = build_sensor_context(), Lines()
    context.log.addHandler(lines)
    requests = date_run_requests(context, latest, "event_marts")
    assert [(r.partition_key, r.run_key) for r in requests] == [
        ("2025-01-02", "event_marts:2025-01-02:8"),
        ("2025-01-03", "event_marts:2025-01-03:9"),
    ]
    assert lines.lines == ["skipping event dates outside the partitions: 2025-01-01, 2999-01-01"]
