import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DATA = ROOT / "tools" / "samples"

# Every test runs against an empty DAGSTER_HOME-free, env-clean configuration unless it
# sets its own: a developer's SLUICE_* variables must not leak into the suite.
for _var in [v for v in os.environ if v.startswith("SLUICE_") and not v.startswith("SLUICE_TEST_")]:
    del os.environ[_var]

# Session fixtures live in one plugin each, so every directory's tests share one instance of
# them (a fixture imported into two conftests would be two fixtures, built twice): one moto
# server, one Postgres, one marts world (events ingested, dbt build) for tests/marts and the
# serving end-to-end test.
pytest_plugins = [
    "tests.fixtures.moto",
    "tests.fixtures.postgres",
    "tests.fixtures.lake_storage",
    "tests.fixtures.marts_world",
]


@pytest.fixture
def sample_data() -> Path:
    """The public sample files shipped in the repo (tools/samples/SOURCES.md says what each is)."""
    return SAMPLE_DATA


@pytest.fixture
def dagster_home(tmp_path, monkeypatch):
    """A DAGSTER_HOME with an empty dagster.yaml: Dagster's SQLite defaults."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return home


sys.path.insert(0, str(ROOT))
