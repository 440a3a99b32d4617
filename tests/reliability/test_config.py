"""Issue 13 #13: configuration that cannot work fails at once, naming the variable."""

import pytest
from dagster import DagsterInstance, build_sensor_context

from platform_assets.definitions import defs
from resources.storage import StorageConfigError, StorageResource


@pytest.mark.parametrize("value", ["0", "-1"])
def test_a_sensor_key_budget_below_one_is_a_config_error(tmp_path, monkeypatch, value):
    monkeypatch.setenv("SLUICE_SENSOR_MAX_KEYS", value)
    storage = StorageResource(url=str(tmp_path / "storage"))
    storage.put_bytes("landing/events/2025/01/01/10/a.jsonl", b"{}\n")
    sensor = defs.get_sensor_def("raw_events_sensor")
    context = build_sensor_context(
        instance=DagsterInstance.ephemeral(),
        repository_def=defs.get_repository_def(),
        resources={"storage": storage},
    )
    with pytest.raises(Exception, match=f"SLUICE_SENSOR_MAX_KEYS={value!r}.*>= 1"):
        sensor.evaluate_tick(context)


def test_a_file_url_with_a_host_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("SLUICE_STORAGE_URL", f"file://host{tmp_path}")
    with pytest.raises(StorageConfigError, match="SLUICE_STORAGE_URL.*host 'host'"):
        StorageResource().list_objects("landing/").__next__()


@pytest.mark.parametrize("form", ["file://{}", "file://localhost{}", "{}"])
def test_local_forms_of_the_url_still_work(monkeypatch, tmp_path, form):
    monkeypatch.setenv("SLUICE_STORAGE_URL", form.format(tmp_path))
    StorageResource().put_bytes("a/b.txt", b"x")
    assert (tmp_path / "a" / "b.txt").read_bytes() == b"x"
