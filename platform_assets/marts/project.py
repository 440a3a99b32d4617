"""The dbt project (dbt/ at the repository root) as dagster-dbt sees it, with its manifest.

dagster-dbt builds the asset graph from ``dbt/target/manifest.json``. A fresh clone has none,
and ``prepare_if_dev`` only prepares under ``dagster dev``; so the code location prepares it
(``dbt parse``, offline: the project uses no dbt Hub packages) whenever it is missing or older
than a file of the project. ``make dev``, ``make test`` and the dagster CLI then need no step.
"""

from __future__ import annotations

import fcntl
import shutil
import sys
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from resources.project_paths import PROJECT_ROOT

DBT_DIR = PROJECT_ROOT / "dbt"
_SOURCE_SUFFIXES = (".sql", ".yml", ".yaml")


def dbt_executable() -> str:
    """The venv's dbt (the dagster CLI may run without the venv on PATH), else PATH's."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


def _newest_source(project_dir: Path) -> float:
    files = [
        path
        for folder in ("models", "macros", "tests")
        for path in (project_dir / folder).rglob("*")
        if path.suffix in _SOURCE_SUFFIXES
    ]
    files += [project_dir / "dbt_project.yml", project_dir / "profiles.yml"]
    return max(path.stat().st_mtime for path in files if path.exists())


def manifest_is_current(project: DbtProject) -> bool:
    manifest = Path(project.manifest_path)
    return manifest.exists() and manifest.stat().st_mtime >= _newest_source(
        Path(project.project_dir)
    )


def prepared_project(project_dir: Path = DBT_DIR) -> DbtProject:
    """The project, its manifest parsed if missing or stale. A run's step processes import the
    code location at once: a file lock lets one of them parse while the others wait."""
    project = DbtProject(project_dir=project_dir, profiles_dir=project_dir)
    if manifest_is_current(project):
        return project
    target = Path(project.manifest_path).parent
    target.mkdir(parents=True, exist_ok=True)
    with open(target / ".prepare.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not manifest_is_current(project):
            DbtCliResource(project_dir=project, dbt_executable=dbt_executable()).cli(
                ["parse", "--quiet"], target_path=project.target_path
            ).wait()
    return project


marts_project = prepared_project()


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=marts_project, dbt_executable=dbt_executable())
