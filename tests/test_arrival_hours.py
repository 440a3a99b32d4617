"""SLUICE_EVENTS_START: forgiving about the format, clear when it cannot be read."""

import pytest

from platform_assets.arrival_hours import first_hour_from_environment, hourly_arrival_partitions


@pytest.mark.parametrize(
    "value, expected",
    [
        (None, "2025-01-01-00:00"),
        ("2024-06-02-05:00", "2024-06-02-05:00"),
        ("2024-06-02T05:00", "2024-06-02-05:00"),
        ("2024-06-02T05", "2024-06-02-05:00"),
        ("2024-06-02", "2024-06-02-00:00"),
    ],
)
def test_accepted_formats(monkeypatch, value, expected):
    if value is None:
        monkeypatch.delenv("SLUICE_EVENTS_START", raising=False)
    else:
        monkeypatch.setenv("SLUICE_EVENTS_START", value)
    assert first_hour_from_environment() == expected
    assert hourly_arrival_partitions().get_first_partition_key() == expected


def test_unreadable_start_names_the_variable(monkeypatch):
    monkeypatch.setenv("SLUICE_EVENTS_START", "yesterday")
    with pytest.raises(ValueError, match="SLUICE_EVENTS_START='yesterday'"):
        first_hour_from_environment()
