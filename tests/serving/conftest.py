import httpx
import pytest

from platform_assets.serving.api.app import create_app
from resources.storage import StorageResource
from tests.serving.lake_fixtures import (
    TOKENS,
    ServedApp,
    build_copy,
    build_lake,
    fill_mart,
    lake_dates,
    lake_rows,
)


@pytest.fixture(scope="session")
def served_lake(tmp_path_factory):
    """A generated, ingested two-day lake with its copy, on local storage (built once)."""
    storage = StorageResource(url=str(tmp_path_factory.mktemp("serving") / "storage"))
    build_lake(storage, events=8_000, hours=36, users=60)
    dates = lake_dates(storage)
    build_copy(storage, dates)
    return storage, dates, lake_rows(storage)


@pytest.fixture(scope="session")
def serving_postgres(postgres_database_factory, served_lake):
    """Our own database (the marts' tests may build the same table elsewhere), mart filled."""
    url = postgres_database_factory("sluice_serving")
    fill_mart(url, served_lake[2])
    return url


@pytest.fixture(scope="session")
def api(served_lake, serving_postgres):
    """The API over real HTTP: an httpx client with its base URL."""
    with ServedApp(create_app(served_lake[0], serving_postgres, TOKENS)) as served:
        with httpx.Client(base_url=served.url, timeout=30) as client:
            yield client
