"""The code location's public names against a committed list, so a rename is a visible diff.

Job files, run history, sensor cursors and users' selections refer to these names: changing
one is a decision to record in tests/public_names.json, never an accident of a refactor.
Regenerate after a deliberate change with
``python -m tests.test_public_names > tests/public_names.json``.
"""

import json
from pathlib import Path

COMMITTED = Path(__file__).with_name("public_names.json")


def public_names() -> dict[str, list[str]]:
    from platform_assets.definitions import defs

    repository = defs.get_repository_def()
    asset_graph = repository.asset_graph
    return {
        "assets": sorted(key.to_user_string() for key in asset_graph.get_all_asset_keys()),
        "asset_checks": sorted(
            f"{check.asset_key.to_user_string()}:{check.name}"
            for check in asset_graph.asset_check_keys
        ),
        "sensors": sorted(sensor.name for sensor in repository.sensor_defs),
        "schedules": sorted(schedule.name for schedule in repository.schedule_defs),
        "jobs": sorted(
            job.name for job in repository.get_all_jobs() if not job.name.startswith("__")
        ),
    }


def test_public_names_match_the_committed_list():
    assert public_names() == json.loads(COMMITTED.read_text())


if __name__ == "__main__":
    print(json.dumps(public_names(), indent=2))
