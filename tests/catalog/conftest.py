"""A small storage root with everything the catalog reads, built through the real pipelines
where there is one (events: landing files -> ingest_hour) and written as the other domains
write it where the catalog only reads (customers Parquet, person/customer quarantines)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from platform_assets.catalog.build import build_catalog
from platform_assets.events.ingest import ingest_hour
from resources.storage import StorageResource
from tools.generate.events import generate_events

HOUR0 = datetime(2025, 1, 1, 0, tzinfo=UTC)
HOUR1 = datetime(2025, 1, 1, 1, tzinfo=UTC)
HOUR2 = datetime(2025, 1, 1, 2, tzinfo=UTC)

# One type, two schema versions, one per arrival (and event) hour:
#  v1: amount int, code int, customer {id}
#  v2: amount float, code string, coupon added, customer {id, tier}, and an attribute named
#      like an envelope column.
ORDER_V1 = [
    ("o-1", {"amount": 10, "currency": "EUR", "code": 7, "customer": {"id": 1}}),
    ("o-2", {"amount": 20, "currency": "USD", "code": 8, "customer": {"id": 2}}),
]
ORDER_V2 = [
    (
        "o-3",
        {
            "amount": 12.5,
            "currency": "EUR",
            "code": "X-1",
            "coupon": "WELCOME",
            "customer": {"id": 3, "tier": "gold"},
            "event_id": "inner",
        },
    ),
]


def event_line(event_id: str, event_type: str, attributes: dict, created_at: datetime) -> str:
    meta = {"created_at": int(created_at.timestamp() * 1000) + 60_000, "service": "shop"}
    return json.dumps(
        {"data": {"id": event_id, "type": event_type, "attributes": attributes}, "meta": meta}
    )


def land(storage: StorageResource, hour: datetime, name: str, lines: list[str]) -> None:
    storage.put_bytes(
        f"landing/events/{hour:%Y/%m/%d/%H}/{name}", ("\n".join(lines) + "\n").encode()
    )


def parquet_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


CUSTOMERS_A = pa.table(
    {
        "id": [1, 2],
        "name": ["hu25 Smith", "hu25 Doe"],
        "email_masked": ["a***@example.com", "j***@example.org"],
        "timestamp": ["2024-05-01T10:00:00Z", "2031-01-01T00:00:00Z"],
        "is_future": [False, True],
    }
)
CUSTOMERS_B = pa.table(
    {
        "id": [3],
        "name": ["hu25 Roe"],
        "email_masked": ["r***@example.net"],
        "timestamp": ["2024-06-01T08:30:00Z"],
        "is_future": [False],
        "phone_masked": ["***-0199"],  # an extra column only this file has
    }
)


def rejected_rows(source_key: str, reasons: list[list[str]]) -> pa.Table:
    return pa.table(
        {
            "source_key": [source_key] * len(reasons),
            "line": list(range(2, 2 + len(reasons))),
            "reasons": reasons,
            "raw_record": [json.dumps({"email": "x"})] * len(reasons),
        }
    )


def populate(storage: StorageResource, generated_events: int = 0) -> None:
    """Two hours of the two-version type (plus look-alike type names and a malformed line),
    optionally an hour of generated events, ingested; then customers and two quarantines."""
    land(
        storage,
        HOUR0,
        "a.jsonl",
        [
            *[event_line(i, "order.paid", a, HOUR0) for i, a in ORDER_V1],
            event_line("u-1", "user_created", {"n": 1}, HOUR0),
            event_line("c-1", "cart.closed", {"items": 1}, HOUR0),
            event_line("c-2", "cart-closed", {"items": 2}, HOUR0),
            "oops, not json",
        ],
    )
    land(storage, HOUR1, "b.jsonl", [event_line(i, "order.paid", a, HOUR1) for i, a in ORDER_V2])
    hours = [HOUR0, HOUR1]
    if generated_events:
        generate_events(
            storage,
            events=generated_events,
            start=HOUR2,
            hours=1,
            types=15,
            files_per_hour=1,
            seed=3,
        )
        hours.append(HOUR2)
    for hour in hours:
        ingest_hour(storage, hour)
    storage.put_bytes("curated/customers/customers_parquet/a.parquet", parquet_bytes(CUSTOMERS_A))
    storage.put_bytes("curated/customers/customers_parquet/b.parquet", parquet_bytes(CUSTOMERS_B))
    storage.put_bytes(
        "quarantine/persons/people.csv/rejected_rows.parquet",
        parquet_bytes(
            rejected_rows(
                "landing/persons/people.csv", [["invalid_email"], ["invalid_ip", "missing:email"]]
            )
        ),
    )
    storage.put_bytes(
        "quarantine/customers/a.csv/rejected_rows.parquet",
        parquet_bytes(rejected_rows("landing/customers/a.csv", [["duplicate_id"]])),
    )


@pytest.fixture(scope="module")
def lake(tmp_path_factory) -> StorageResource:
    """A local storage root populated once per module (tests only read it)."""
    storage = StorageResource(url=str(tmp_path_factory.mktemp("lake") / "storage"))
    populate(storage, generated_events=400)
    return storage


@pytest.fixture(scope="module")
def catalog(lake, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("catalog") / "lake.duckdb"
    build_catalog(lake, path)
    return path
