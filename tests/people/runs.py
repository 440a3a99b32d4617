"""Running the person_file asset for one file through a real Dagster instance."""

from __future__ import annotations

from dagster import materialize

from platform_assets.people.assets import person_file


def run_file(
    instance, storage, postgres, name: str, data: bytes | None = None, raise_on_error=True
):
    if data is not None:
        storage.put_bytes(f"landing/persons/{name}", data)
    instance.add_dynamic_partitions("person_files", [name])
    return materialize(
        [person_file],
        partition_key=name,
        instance=instance,
        raise_on_error=raise_on_error,
        resources={"storage": storage, "postgres": postgres},
    )
