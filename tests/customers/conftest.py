"""Fixtures the customers tests share: a local storage root, a real instance, the samples."""

import pytest
from dagster import instance_for_test

from resources.storage import StorageResource
from tests.customers.customer_files import samples


@pytest.fixture
def storage(tmp_path):
    return StorageResource(url=str(tmp_path / "storage"))


@pytest.fixture
def instance():
    # Partitioned run requests resolve only on an instance with a ref (on disk), as the daemon's.
    with instance_for_test() as inst:
        yield inst


@pytest.fixture
def files(sample_data):
    return samples(sample_data)
