"""The lock files pin every dependency pyproject.toml asks for, at versions it allows: a
pyproject edit without `make lock` fails here, before CI installs a lock that misses it."""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tools.lock import pip_sources

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def pins(path: Path) -> dict[str, str]:
    """name -> version of the lines that apply to this interpreter (markers evaluated)."""
    found = {}
    for line in path.read_text().splitlines():
        if "==" not in line or line.lstrip().startswith("#"):
            continue
        requirement = Requirement(line.strip())
        if requirement.marker is None or requirement.marker.evaluate(default_environment()):
            found[canonicalize_name(requirement.name)] = str(requirement.specifier)[2:]
    return found


def _check(requirements: list[str], locked: dict[str, str]) -> list[str]:
    problems = []
    for text in requirements:
        requirement = Requirement(text)
        version = locked.get(canonicalize_name(requirement.name))
        if version is None:
            problems.append(f"{requirement.name} is not in the lock")
        elif not requirement.specifier.contains(version, prereleases=True):
            problems.append(f"{requirement.name}=={version} does not satisfy {requirement}")
    return problems


def test_runtime_lock_satisfies_the_dependencies():
    assert not _check(PROJECT["dependencies"], pins(ROOT / "requirements.lock"))


def test_dev_lock_satisfies_dependencies_and_test_extra_at_the_same_versions():
    dev = pins(ROOT / "requirements-dev.lock")
    requirements = PROJECT["dependencies"] + PROJECT["optional-dependencies"]["test"]
    assert not _check(requirements, dev)
    runtime = pins(ROOT / "requirements.lock")
    assert {name: dev.get(name) for name in runtime} == runtime


def test_the_dagster_family_is_locked_together():
    locked = pins(ROOT / "requirements.lock")
    core = locked["dagster"]
    for name in ("dagster-webserver", "dagster-graphql", "dagster-pipes", "dagster-shared"):
        assert locked[name] == core, name
    libraries = {
        locked[n] for n in ("dagster-aws", "dagster-postgres", "dagster-dbt", "dagster-k8s")
    }
    assert len(libraries) == 1, libraries
    assert locked["dbt-core"].startswith("1.11.")


def test_lock_tool_passes_on_pips_sources():
    config = [
        "global.extra-index-url='file:///opt/a/simple file:///opt/b/simple'",
        "global.find-links='/opt/wheels'",
        ":env:.find-links='/opt/wheels'",
        "global.index-url='https://mirror.example/simple'",
        "global.cert='/etc/ssl/certs/ca.crt'",
    ]
    assert pip_sources(config) == [
        "--extra-index-url",
        "file:///opt/a/simple",
        "--extra-index-url",
        "file:///opt/b/simple",
        "--find-links",
        "/opt/wheels",
        "--index-url",
        "https://mirror.example/simple",
    ]
