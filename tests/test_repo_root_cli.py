"""A fresh clone, nothing set: the issue's CLI commands run from the repo root without
DAGSTER_HOME. Dagster then reads the repo-root dagster.yaml for a temporary instance, so that
file must not need any variable or service."""

import os
import subprocess
from pathlib import Path

import yaml

from tools.dagster_cli import materialize_command

ROOT = Path(__file__).resolve().parents[1]


def test_repo_root_dagster_yaml_needs_no_variables():
    settings = yaml.safe_load((ROOT / "dagster.yaml").read_text())
    assert "storage" not in settings

    def env_references(node):
        if isinstance(node, dict):
            return ["env"] * ("env" in node) + [r for v in node.values() for r in env_references(v)]
        return [r for v in node for r in env_references(v)] if isinstance(node, list) else []

    assert env_references(settings) == []
    assert settings["run_coordinator"]["class"] == "QueuedRunCoordinator"


def test_materialize_from_the_repo_root_without_dagster_home(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLUICE_", "DAGSTER_"))}
    env["SLUICE_STORAGE_URL"] = str(tmp_path / "storage")
    done = subprocess.run(
        materialize_command("iris_dataset,iris_model"),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "RUN_SUCCESS" in done.stderr
    # Two steps: the code location's executor keeps Dagster's process per step.
    assert "Executing steps using multiprocess executor" in done.stderr
    assert (tmp_path / "storage" / "models" / "iris" / "LATEST").read_text().strip()
    assert not list(ROOT.glob(".tmp_dagster_home_*")), "the temporary instance was left behind"
