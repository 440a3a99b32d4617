"""Fixtures of the reliability suite: a local storage root and a Dagster instance on disk."""

import pytest
from dagster import instance_for_test

from resources.storage import StorageResource


@pytest.fixture
def storage(tmp_path):
    return StorageResource(url=str(tmp_path / "storage"))


@pytest.fixture
def instance():
    # Partitioned run requests resolve only on an instance with a ref (on disk), as the daemon's.
    with instance_for_test() as inst:
        yield inst
