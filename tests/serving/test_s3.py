"""The whole path on S3 served by moto over HTTP: ingest, copy, and the API reading it."""

import httpx
import pytest

from platform_assets.serving.api.app import create_app
from resources.storage import StorageResource
from tests.serving.lake_fixtures import (
    TOKENS,
    ServedApp,
    build_copy,
    build_lake,
    lake_dates,
    lake_rows,
)
from tests.serving.test_api_history import AUTH, chosen_users, expected


@pytest.mark.s3
def test_history_on_s3_equals_the_lake(moto_endpoint, s3_bucket, serving_postgres):
    storage = StorageResource(url=f"s3://{s3_bucket}/sluice", s3_endpoint_url=moto_endpoint)
    build_lake(storage, events=1_500, hours=4, users=20, seed=11)
    build_copy(storage, lake_dates(storage), buckets=4)
    rows = lake_rows(storage)
    with ServedApp(create_app(storage, serving_postgres, TOKENS)) as served:
        with httpx.Client(base_url=served.url, timeout=30) as client:
            assert client.get("/health").json() == {"status": "ok"}
            for user_id in chosen_users(rows):
                events, cursor = [], None
                while True:
                    params = {"limit": 25, **({"cursor": cursor} if cursor else {})}
                    body = client.get(
                        f"/v1/users/{user_id}/events", params=params, headers=AUTH
                    ).json()
                    events += body["events"]
                    if not (cursor := body["next_cursor"]):
                        break
                assert events == expected(rows, user_id) and events
