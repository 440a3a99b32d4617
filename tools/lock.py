"""`make lock`: regenerate requirements.lock and requirements-dev.lock from pyproject.toml.

Two lock files of exact versions (every transitive dependency), resolved by `uv pip compile`:
  requirements.lock      the runtime dependencies: what the Docker image installs
  requirements-dev.lock  the same pins plus the `test` extra: what `make install` and CI install
The dev lock is compiled with the runtime lock as a constraint, so both pin the same versions.

uv resolves from the same places pip installs from: pip's configured index, extra indexes and
find-links (`pip config list`, PIP_* variables) are passed on, and `unsafe-best-match` picks
the best version across them as pip does (uv's default would stop at the first index that
has a name at all). The lock holds versions, not hashes: the local mirrors serve their own
builds of some wheels, whose hashes differ from PyPI's.

Usage: python tools/lock.py [--upgrade] [--uv PATH]   (`make lock`, `make lock UPGRADE=1`; uv comes
from .venv-tools, installed there if absent)
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNTIME_LOCK = ROOT / "requirements.lock"
DEV_LOCK = ROOT / "requirements-dev.lock"
TOOLS_VENV = ROOT / ".venv-tools"
UV_REQUIREMENT = "uv>=0.13,<0.14"
PYTHON_VERSION = "3.11"  # the image's and CI's Python (pyproject allows 3.11 and 3.12)


def pip_sources(config_lines: list[str]) -> list[str]:
    """uv flags for the index, extra indexes and find-links of `pip config list` output."""
    flags: list[str] = []
    for line in config_lines:
        name, _, value = line.partition("=")
        option = name.rsplit(".", 1)[-1]
        values = shlex.split(value.strip().strip("'\""))
        if option == "index-url":
            flags += ["--index-url", values[0]]
        elif option == "extra-index-url":
            for url in values:
                flags += ["--extra-index-url", url]
        elif option == "find-links":
            for url in values:
                flags += ["--find-links", url]
    # The same option may be configured twice (global and env); keep the first of each pair.
    pairs, seen = list(zip(flags[::2], flags[1::2])), set()
    unique = [p for p in pairs if not (p in seen or seen.add(p))]
    return [part for pair in unique for part in pair]


def configured_pip_sources() -> list[str]:
    listed = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True, check=True
    )
    return pip_sources(listed.stdout.splitlines())


def ensure_uv() -> Path:
    uv = TOOLS_VENV / "bin" / "uv"
    if not uv.exists():
        subprocess.run([sys.executable, "-m", "venv", str(TOOLS_VENV)], check=True)
        pip = TOOLS_VENV / "bin" / "pip"
        subprocess.run([str(pip), "install", "--quiet", UV_REQUIREMENT], check=True)
    return uv


def compile_lock(uv: Path, output: Path, sources: list[str], extra_args: list[str]) -> None:
    cmd = [
        str(uv), "pip", "compile", "pyproject.toml", "--quiet",
        "--python-version", PYTHON_VERSION, "--universal",
        "--index-strategy", "unsafe-best-match",
        "--custom-compile-command", "make lock",
        "--output-file", output.name, *sources, *extra_args,
    ]
    subprocess.run(cmd, cwd=ROOT, check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--uv", type=Path, help="uv executable (default: .venv-tools/bin/uv)")
    parser.add_argument("--upgrade", action="store_true",
                        help="move every pin to the newest allowed version (default: keep the "
                             "current pins and only resolve what pyproject.toml changed)")
    args = parser.parse_args(argv)
    uv = args.uv or ensure_uv()
    sources = configured_pip_sources()
    env_note = " ".join(sources) or "PyPI only"
    print(f"[lock] resolving with uv from: {env_note}", flush=True)
    # Without --upgrade uv prefers the versions already in each output file (as pip-tools does),
    # so adding one dependency does not move all the others.
    upgrade = ["--upgrade"] if args.upgrade else []
    compile_lock(uv, RUNTIME_LOCK, sources, upgrade)
    compile_lock(uv, DEV_LOCK, sources, [*upgrade, "--extra", "test", "--constraints",
                                         RUNTIME_LOCK.name])
    for lock in (RUNTIME_LOCK, DEV_LOCK):
        pins = [ln for ln in lock.read_text().splitlines() if "==" in ln and not ln.startswith("#")]
        print(f"[lock] {lock.name}: {len(pins)} pinned packages", flush=True)
    return 0


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
