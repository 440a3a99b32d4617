"""The Dockerfile, checked as far as a machine without a container engine can check it:
what it copies exists and is not ignored, it installs the lock the way `make install` does,
its final stage is non-root and free of test tools, and what it runs exists and imports."""

from __future__ import annotations

import fnmatch
import importlib
import json
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
TEST_ONLY = {"pytest", "moto", "ruff", "python-hcl2"}


def instructions(text: str = DOCKERFILE) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined = re.sub(r"\\\n\s*", " ", text)
    result = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            result.append((word.upper(), rest.strip()))
    return result


def stages() -> list[list[tuple[str, str]]]:
    found: list[list[tuple[str, str]]] = []
    for ins in instructions():
        if ins[0] == "FROM":
            found.append([])
        if found:
            found[-1].append(ins)
    return found


def lock_names(path: Path) -> set[str]:
    return {
        ln.split("==")[0].strip().lower()
        for ln in path.read_text().splitlines()
        if "==" in ln and not ln.lstrip().startswith("#")
    }


def dockerignore_patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]


def test_multi_stage_slim_python_311_non_root():
    build, runtime = stages()[0], stages()[-1]
    assert len(stages()) >= 2
    args = dict(a[1].split("=", 1) for a in instructions() if a[0] == "ARG" and "=" in a[1])
    assert re.fullmatch(r"python:3\.11-slim(-\w+)?", args["PYTHON_IMAGE"])
    assert build[0][1].endswith("AS build") and runtime[0][1].startswith("${PYTHON_IMAGE}")
    users = [arg for word, arg in runtime if word == "USER"]
    assert users and users[-1].split(":")[0] not in {"root", "0"}


def test_every_copied_path_exists_and_is_not_ignored():
    ignored = dockerignore_patterns()
    for word, arg in instructions():
        if word != "COPY" or arg.startswith("--from"):
            continue
        *sources, _ = shlex.split(arg)
        for source in (s for s in sources if not s.startswith("--")):
            assert (ROOT / source).exists(), f"Dockerfile copies {source}, which does not exist"
            hit = [p for p in ignored if fnmatch.fnmatch(source, p.rstrip("/"))]
            assert not hit, f"{source} is copied but .dockerignore excludes it ({hit})"


def test_every_package_of_the_project_is_copied():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    copied = {
        shlex.split(arg)[0]
        for word, arg in instructions()
        if word == "COPY" and not arg.startswith("--from")
    }
    for pattern in config["tool"]["setuptools"]["packages"]["find"]["include"]:
        assert pattern.rstrip("*") in copied, f"package {pattern} is installed but not copied"


def test_installs_the_lock_the_way_make_install_does():
    runs = [arg for word, arg in instructions() if word == "RUN"]
    makefile = (ROOT / "Makefile").read_text()
    # The project itself: same pip arguments as `make install` (editable, no resolution).
    project_install = re.search(r"\$\(BIN\)/pip install --quiet (--no-deps -e \.)", makefile)
    assert project_install and any(r == f"pip install {project_install.group(1)}" for r in runs)
    assert "pip install --quiet -r requirements-dev.lock" in makefile
    assert "pip install -r requirements.lock" in runs
    assert not any("requirements-dev.lock" in r or "[test]" in r for r in runs)
    # The image's lock is the dev lock minus the test tools, at the same versions.
    runtime, dev = ROOT / "requirements.lock", ROOT / "requirements-dev.lock"
    assert not lock_names(runtime) & TEST_ONLY
    assert TEST_ONLY <= lock_names(dev)
    pins = {ln for ln in runtime.read_text().splitlines() if "==" in ln}
    assert pins <= set(dev.read_text().splitlines())


def test_no_secrets_in_the_image_definition():
    for word, arg in instructions():
        if word in {"ENV", "ARG"}:
            assert not re.search(r"(KEY|PASSWORD|TOKEN|SECRET)", arg, re.I), arg


def test_default_command_is_the_code_server_of_the_code_location():
    cmd = json.loads(next(arg for word, arg in reversed(instructions()) if word == "CMD"))
    assert cmd[:3] == ["dagster", "code-server", "start"]
    module = cmd[cmd.index("-m") + 1]
    workspace = yaml.safe_load((ROOT / "workspace.yaml").read_text())
    assert workspace["load_from"][0]["python_module"]["module_name"] == module
    # The same command `make prod-local` and the topology test run, but for host and port.
    from tools.prod_topology import TopologySettings, commands

    settings = TopologySettings(
        home=ROOT, app_postgres_url="", dagster_postgres_url="", s3_endpoint="", bucket=""
    )
    local = commands(settings)["code-server"]
    assert Path(local[0]).name == cmd[0] and local[1:3] == cmd[1:3]
    assert _options(local) == {
        **_options(cmd),
        "-h": "127.0.0.1",
        "-p": local[local.index("-p") + 1],
    }
    assert hasattr(importlib.import_module(module), "defs")


def _options(cmd: list[str]) -> dict[str, str]:
    return {cmd[i]: cmd[i + 1] for i in range(3, len(cmd) - 1, 2)}


def test_console_scripts_resolve():
    # `docker run IMAGE sluice-api` and friends: every console script's function exists.
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    for name, target in scripts.items():
        module, _, attr = target.partition(":")
        assert callable(getattr(importlib.import_module(module), attr)), name


def test_dbt_manifest_step_builds_the_manifest(tmp_path):
    step = next(arg for word, arg in instructions() if word == "RUN" and "dbt parse" in arg)
    assert "[ -f dbt/dbt_project.yml ]" in step  # the image builds before the project exists
    if not (ROOT / "dbt" / "dbt_project.yml").exists():
        return
    command = shlex.split(re.search(r"then\s+(dbt parse[^;]*);", step).group(1))
    shutil.copytree(ROOT / "dbt", tmp_path / "dbt", ignore=shutil.ignore_patterns("target", "logs"))
    bin_dir = Path(sys.executable).parent
    done = subprocess.run(
        [str(bin_dir / command[0]), *command[1:]],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert (tmp_path / "dbt" / "target" / "manifest.json").exists()


@pytest.mark.parametrize("must_ignore", [".venv", ".sluice", ".git", "tests", ".env"])
def test_dockerignore_keeps_local_state_out(must_ignore):
    assert must_ignore in dockerignore_patterns()
