"""One world for the marts tests, built once per session through the real assets: generated
events over three event dates (late events, redeliveries) ingested into a local lake, login
and person files loaded into Postgres, then every mart built by dagster-dbt.

Tests that change the world (a late event, a bad login) restore what they change.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import random
from dataclasses import dataclass
from pathlib import Path

import pytest
from dagster import DagsterInstance, instance_for_test, materialize

from resources.migrations import apply_migrations
from resources.postgres import PostgresResource
from resources.secrets import ENCRYPTION_KEY_VARIABLE, HMAC_KEY_VARIABLE
from resources.storage import StorageResource
from tools.generate.events import generate_events

FIRST_DATE, END_DATE = "2025-01-01", "2025-01-04"  # the built event dates, end exclusive
EVENT_DATES = ["2025-01-01", "2025-01-02", "2025-01-03"]
LOGIN_HOURS = ["2025-01-02-10:00", "2025-01-03-07:00"]
DEVICE_TYPES = ["ios", "android", "web"]


@dataclass
class MartsWorld:
    root: Path
    storage: StorageResource
    postgres_url: str
    instance: DagsterInstance

    def resources(self) -> dict:
        from platform_assets.domains import build_resources
        from platform_assets.marts.project import dbt_resource

        resources = build_resources()
        resources.update(
            storage=self.storage,
            postgres=PostgresResource(url=self.postgres_url),
            dbt=dbt_resource(),
        )
        return resources

    @property
    def lake_dir(self) -> Path:
        return self.root / "storage" / "lake" / "events"


def login_lines(rng: random.Random, hour: str, count: int) -> bytes:
    """Login messages: 12 users on 8 devices (some shared), three app versions."""
    lines = []
    for n in range(count):
        user = rng.randrange(12)
        device = user % 8 if rng.random() < 0.8 else rng.randrange(8)
        lines.append(
            json.dumps(
                {
                    "user_id": f"user-{user}",
                    "device_type": DEVICE_TYPES[user % 3],
                    "ip": f"10.0.{user}.{n % 250}",
                    "device_id": f"device-{device}",
                    "app_version": rng.choice(["1.2.3", "1.10.0", "2.0"]),
                    "locale": "en-GB",
                }
            )
        )
    return ("\n".join(lines) + "\n").encode()


def person_csv() -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["id", "first_name", "last_name", "email", "gender", "ip_address"])
    genders = ["Female", "Male", "Female", "", "Agender", "Male", "Female", ""]
    for n, gender in enumerate(genders, 1):
        writer.writerow([n, f"First{n}", f"Last{n}", f"p{n}@example.com", gender, f"10.1.0.{n}"])
    return buffer.getvalue().encode()


def run_event_marts(world: MartsWorld, first: str, last: str, raise_on_error: bool = True):
    """event_marts_job over [first, last] as one run (what the CLI's --partition-range does)."""
    from platform_assets.definitions import defs

    job = defs.resolve_job_def("event_marts_job")
    return job.execute_in_process(
        instance=world.instance,
        resources=world.resources(),
        tags={
            "dagster/asset_partition_range_start": first,
            "dagster/asset_partition_range_end": last,
        },
        raise_on_error=raise_on_error,
    )


def run_table_marts(world: MartsWorld, raise_on_error: bool = True):
    from platform_assets.marts.assets import table_marts, team_access

    return materialize(
        [table_marts, team_access],
        instance=world.instance,
        resources=world.resources(),
        raise_on_error=raise_on_error,
    )


def ingest_event_hours(world: MartsWorld, first: str, last: str):
    from platform_assets.definitions import defs

    return defs.resolve_job_def("ingest_events_job").execute_in_process(
        instance=world.instance,
        resources=world.resources(),
        tags={
            "dagster/asset_partition_range_start": first,
            "dagster/asset_partition_range_end": last,
        },
    )


@pytest.fixture(scope="session")
def marts_world(tmp_path_factory, postgres_database_factory):
    root = tmp_path_factory.mktemp("marts")
    url = postgres_database_factory("sluice_marts")
    apply_migrations(url)
    variables = {
        "SLUICE_STORAGE_URL": str(root / "storage"),
        "SLUICE_POSTGRES_URL": url,
        HMAC_KEY_VARIABLE: base64.b64encode(bytes(range(32))).decode(),
        ENCRYPTION_KEY_VARIABLE: base64.b64encode(bytes(range(32, 64))).decode(),
    }
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    storage = StorageResource(url=str(root / "storage"))
    with instance_for_test() as instance:
        world = MartsWorld(root, storage, url, instance)
        # Three days of arrivals: late events reach back hours to days, redeliveries are
        # quarantined; a day's first hours also hold events buffered across midnight.
        generate_events(
            storage,
            events=6000,
            start="2025-01-01T00",
            hours=72,
            files_per_hour=1,
            late_rate=0.05,
            duplicate_rate=0.02,
            seed=14,
        )
        ingest_event_hours(world, "2025-01-01-00:00", "2025-01-03-23:00")

        rng = random.Random(3)
        for hour in LOGIN_HOURS:
            day, time = hour.split("-")[:3], hour[11:13]
            storage.put_bytes(
                f"landing/logins/{'/'.join(day)}/{time}/logins.jsonl", login_lines(rng, hour, 60)
            )
            from platform_assets.definitions import defs

            defs.resolve_job_def("load_user_logins").execute_in_process(
                instance=instance, resources=world.resources(), partition_key=hour
            )
        storage.put_bytes("landing/persons/people.csv", person_csv())
        instance.add_dynamic_partitions("person_files", ["people.csv"])
        from platform_assets.definitions import defs

        defs.resolve_job_def("person_file_job").execute_in_process(
            instance=instance, resources=world.resources(), partition_key="people.csv"
        )

        run_event_marts(world, EVENT_DATES[0], EVENT_DATES[-1])
        run_table_marts(world)
        yield world
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
