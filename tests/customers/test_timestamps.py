from datetime import UTC, datetime, timedelta, timezone

import pytest

from platform_assets.customers.timestamps import format_timestamp, is_future, parse_timestamp
from tests.customers.customer_files import BOUNDARY_INGESTED_AT, BOUNDARY_ROWS


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2020-08-24", datetime(2020, 8, 24, tzinfo=UTC)),
        (" 2020-08-24\t", datetime(2020, 8, 24, tzinfo=UTC)),
        ("2020-08-24T10:11", datetime(2020, 8, 24, 10, 11, tzinfo=UTC)),
        ("2020-08-24 10:11:12", datetime(2020, 8, 24, 10, 11, 12, tzinfo=UTC)),
        ("2020-08-24T10:11:12.5Z", datetime(2020, 8, 24, 10, 11, 12, 500000, tzinfo=UTC)),
        ("2020-08-24T10:11:12+02:00", datetime(2020, 8, 24, 8, 11, 12, tzinfo=UTC)),
        ("2020-08-24T10:11:12-0530", datetime(2020, 8, 24, 15, 41, 12, tzinfo=UTC)),
        ("2020-08-24T01:00+03", datetime(2020, 8, 23, 22, 0, tzinfo=UTC)),
        ("2024-02-29", datetime(2024, 2, 29, tzinfo=UTC)),
    ],
)
def test_accepted_forms_become_utc_instants(text, expected):
    parsed = parse_timestamp(text)
    assert parsed == expected and parsed.tzinfo == UTC


@pytest.mark.parametrize(
    "text",
    [
        "",
        "24/08/2020",
        "2020-8-24",
        "2021-02-29",
        "2021-02-30",
        "2020-08-24T24:00",
        "2020-08-24T10:60",
        "2020-08-24T10:11:60",  # no leap seconds
        "2020-08-24T10:11:12.1234567",  # more than microseconds
        "2020-08-24Z",  # a zone needs a time
        "2020-08-24T10:11+24:00",
        "2020-08-24T10:11+01:60",
        "20200824",
        "2020-08-24T10",
        "2020-08-24 10:11 UTC",
        "0000-01-01",
        "２０２０-08-24",  # full-width digits are not digits here
    ],
)
def test_everything_else_is_unparseable(text):
    assert parse_timestamp(text) is None


def test_format_is_iso_utc_with_z_and_micros_only_when_present():
    assert format_timestamp(datetime(2020, 8, 24, tzinfo=UTC)) == "2020-08-24T00:00:00Z"
    tz = timezone(timedelta(hours=2))
    assert (
        format_timestamp(datetime(2020, 8, 24, 1, 2, 3, 40, tzinfo=tz))
        == "2020-08-23T23:02:03.000040Z"
    )
    assert format_timestamp(datetime(5, 1, 2, tzinfo=UTC)) == "0005-01-02T00:00:00Z"


def test_formatted_timestamps_parse_back_to_the_same_instant():
    for _, text, _ in BOUNDARY_ROWS:
        instant = parse_timestamp(text)
        assert parse_timestamp(format_timestamp(instant)) == instant


def test_future_is_strictly_after_the_ingestion_time():
    assert not is_future(BOUNDARY_INGESTED_AT, BOUNDARY_INGESTED_AT)
    assert is_future(BOUNDARY_INGESTED_AT + timedelta(seconds=1), BOUNDARY_INGESTED_AT)
    assert not is_future(BOUNDARY_INGESTED_AT - timedelta(seconds=1), BOUNDARY_INGESTED_AT)
    for row_id, text, expected in BOUNDARY_ROWS:
        assert is_future(parse_timestamp(text), BOUNDARY_INGESTED_AT) is expected, row_id
