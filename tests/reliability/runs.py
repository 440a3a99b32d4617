"""Running the person and customer file assets for one partition, and reading the results."""

from __future__ import annotations

import io

import psycopg
import pyarrow.parquet as pq

from tests.customers.runs import run_file as run_customer
from tests.people.runs import run_file as run_person


def run_person_file(instance, storage, postgres, name: str, data: bytes | None = None):
    return run_person(instance, storage, postgres, name, data, raise_on_error=False)


def run_customer_file(instance, storage, name: str, data: bytes | None = None):
    return run_customer(instance, storage, name, data, raise_on_error=False)


def failure_message(result) -> str:
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    return failure.event_specific_data.error.message


def quarantined(storage, key: str) -> dict[int, list[str]]:
    """line -> reasons of a rejected-rows Parquet file."""
    rows = pq.read_table(io.BytesIO(storage.read_bytes(key))).to_pylist()
    return {r["line"]: r["reasons"] for r in rows}


def persons(url: str) -> dict[str, tuple]:
    """email -> (first_name, last_name, gender, sorted ips)."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            """
            select p.email, p.first_name, p.last_name, g.gender_type,
                   array(select host(ip) from person_ip pi where pi.person_id = p.id order by 1)
            from person p left join gender g on g.id = p.gender_id
            """
        ).fetchall()
    return {email: (first, last, gender, ips) for email, first, last, gender, ips in rows}
