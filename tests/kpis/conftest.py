"""One generated and ingested stretch of arrival hours around DATE, shared by the session:
on local storage with rollups, the same with DATE's compacted rollup (events/date_rollup.py),
on local storage where some hours look ingested before rollups existed (their rollups and
commit summaries removed, their manifests in the old form), and on moto S3 with one such
hour and the compacted rollup."""

import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from platform_assets.events.date_rollup import compact_date
from platform_assets.events.ingest import ingest_hours
from platform_assets.events.layout import MANIFEST_PREFIX
from platform_assets.hour_commits import commit_summary_key
from resources.storage import StorageResource
from tools.generate.events import generate_events

DATE = "2025-03-01"
START = datetime(2025, 3, 1, 20, tzinfo=UTC)  # arrival hours 20..01: late events cross midnight
HOURS = 6
OLD_HOURS = {"local_old": ["2025-03-01T21", "2025-03-02T01"], "s3": ["2025-03-01T22"]}


def build(storage: StorageResource) -> StorageResource:
    generate_events(
        storage,
        events=8_000,
        start=START,
        hours=HOURS,
        types=30,
        files_per_hour=2,
        malformed_rate=0.04,
        late_rate=0.08,
        duplicate_rate=0.03,
        seed=16,
    )
    list(ingest_hours(storage, [START + timedelta(hours=i) for i in range(HOURS)]))
    return storage


def make_old(storage: StorageResource, stems: list[str]) -> None:
    """As if these arrival hours were ingested before rollups existed."""
    for stem in stems:
        key = f"{MANIFEST_PREFIX}{stem}.json"
        body = json.loads(storage.read_bytes(key))
        for rollup in body.pop("rollups"):
            storage.delete(rollup)
        del body["counts"], body["commit_id"]
        storage.put_bytes(key, json.dumps(body).encode())
        storage.delete(commit_summary_key(stem))


@pytest.fixture(scope="session")
def lakes(tmp_path_factory, moto_endpoint) -> dict[str, StorageResource]:
    root = tmp_path_factory.mktemp("kpis")
    local = build(StorageResource(url=str(root / "local")))
    compacted = build(StorageResource(url=str(root / "local_compacted")))
    assert compact_date(compacted, DATE, root).hours_read == HOURS  # the date's rollups: 6 hours
    old = build(StorageResource(url=str(root / "local_old")))
    make_old(old, OLD_HOURS["local_old"])
    bucket = "sluice-kpis"
    boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1").create_bucket(
        Bucket=bucket
    )
    s3 = build(StorageResource(url=f"s3://{bucket}/root", s3_endpoint_url=moto_endpoint))
    make_old(s3, OLD_HOURS["s3"])
    compact_date(s3, DATE, root)  # covers the hours with rollups; the old hour's lake adds
    return {"local": local, "local_compacted": compacted, "local_old": old, "s3": s3}
