"""Nothing in the project reaches outside the repo: a user's clone has nothing beside it.

Every tracked (or new, not ignored) source file is scanned for references to paths outside
the repository root: the old shared sample folder, absolute machine paths, ``parents[N]`` or
``.parent`` chains on ``__file__`` that climb above the root, ``ROOT.parent``-style steps out
of it, and relative ``../`` paths that leave it. tools/samples/SOURCES.md alone may say where
the samples came from; this file is skipped too, as its examples are such references on
purpose (spelled in pieces, so a grep of the repo for them finds only SOURCES.md).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path, PurePosixPath

import pytest

ROOT = Path(__file__).resolve().parents[1]
SUFFIXES = {".py", ".sh", ".yaml", ".yml", ".toml", ".cfg", ".ini", ".sql", ".md", ".tmpl",
            ".txt", ".tf", ".json"}  # fmt: skip
NAMES = {"Makefile", "Dockerfile", "run"}  # run: .ci/run
ALLOWED = {"tools/samples/SOURCES.md", "tests/test_self_contained.py"}
SKIPPED_DIRS = {".git", ".venv", ".sluice", "node_modules", "__pycache__", "target", "logs"}

FORBIDDEN = [
    (re.compile(r"shared[/\\]+data"), "the shared sample folder outside the repo"),
    (re.compile(r"\.\.[/\\]+shared\b"), "a sibling folder of the repo"),
    (re.compile(r"(?<![\w.])/(?:wor[k]|home|Users)/"), "an absolute machine path"),
    (re.compile(r"\b[A-Z_]*ROO[T]\.parent\b"), "a step from the repo root to its parent"),
]
FILE_PARENTS = re.compile(r"__file__\)(?:\.resolve\(\)|\.absolute\(\))?\.parents\[(\d+)\]")
FILE_PARENT_CHAIN = re.compile(r"__file__\)(?:\.resolve\(\)|\.absolute\(\))?((?:\.parent\b)+)")
RELATIVE_CLIMB = re.compile(r"(?<![\w./\\])((?:\.\./)+)([\w.-]*)")


def source_files() -> list[str]:
    """Tracked and new (not ignored) files; a tree that is not a git checkout is walked."""
    try:
        listed = subprocess.run(
            ["git", "-C", str(ROOT), "ls-files", "--cached", "--others", "--exclude-standard"],
            capture_output=True, text=True, check=True, timeout=60,
        ).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        listed = [
            str(p.relative_to(ROOT)) for p in ROOT.rglob("*")
            if p.is_file() and not SKIPPED_DIRS & set(p.relative_to(ROOT).parts)
        ]  # fmt: skip
    return sorted(
        f for f in listed
        if (PurePosixPath(f).suffix in SUFFIXES or PurePosixPath(f).name in NAMES)
        and f not in ALLOWED and (ROOT / f).is_file()
    )  # fmt: skip


def climbs_out(relative_file: str, depth_above_file: int) -> bool:
    """Whether going ``depth_above_file`` folders up from the file's folder leaves the root."""
    return depth_above_file > len(PurePosixPath(relative_file).parts) - 1


def outside_references(relative_file: str, text: str) -> list[str]:
    """'line N: why (the text)' for every reference to a path outside the repo."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        reasons = [why for pattern, why in FORBIDDEN if pattern.search(line)]
        for match in FILE_PARENTS.finditer(line):  # parents[0] is the file's own folder
            if climbs_out(relative_file, int(match[1])):
                reasons.append(f"parents[{match[1]}] of this file is outside the repo")
        for match in FILE_PARENT_CHAIN.finditer(line):
            if climbs_out(relative_file, match[1].count(".parent") - 1):
                reasons.append(f"{match[1]} of this file is outside the repo")
        for match in RELATIVE_CLIMB.finditer(line):
            if climbs_out(relative_file, match[1].count("../")):
                reasons.append(f"{match[0]!r} leaves the repo")
        found += [f"line {number}: {why}: {line.strip()[:120]}" for why in reasons]
    return found


def test_no_source_file_references_a_path_outside_the_repo():
    files = source_files()
    assert "tests/conftest.py" in files and "README.md" in files and len(files) > 100
    problems = []
    for name in files:
        text = (ROOT / name).read_text(encoding="utf-8", errors="replace")
        problems += [f"{name} {problem}" for problem in outside_references(name, text)]
    assert not problems, "references outside the repo:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    "file, line",
    [
        ("tests/conftest.py", 'DATA = ROOT.parent / "sha' + 'red" / "data"'),
        ("tests/conftest.py", 'DATA = PROJECT_ROO' + 'T.parent / "samples"'),
        ("README.md", "cp ../" + "shared/x.csv landing/"),
        ("README.md", "cp ../other/x.csv landing/"),
        ("docs/x.md", "see ../../elsewhere.md"),
        ("platform_assets/events/x.py", 'GLOB = Path(__file__).resolve().parents[3] / "x"'),
        ("tests/x.py", "ROOT = Path(__file__).parent.parent.parent"),
        ("Makefile", "DATA := /wor" + "k/sha" + "red/data"),
        ("resources/x.py", 'HOME = "/hom' + 'e/someone/.sluice"'),
    ],
)
def test_each_kind_of_outside_reference_is_caught(file, line):
    assert outside_references(file, line), line


@pytest.mark.parametrize(
    "file, line",
    [
        ("platform_assets/events/x.py", 'SAMPLES = Path(__file__).resolve().parents[2] / "tools"'),
        ("tests/conftest.py", "ROOT = Path(__file__).resolve().parents[1]"),
        ("ml/x.py", 'SHIPPED = Path(__file__).resolve().parent / "iris.csv"'),
        ("ml/README.md", "Full notes are in [docs/ml.md](../docs/ml.md)."),
        ("tests/catalog/x.py", 'run("--save", "../escape")'),
        ("platform_assets/events/x.py", '_type_text(p) + "/../../etc"'),
        (".ci/run", 'cd "$(dirname "$0")/.."'),
        ("resources/x.py", "target.parent.mkdir(parents=True)"),
    ],
)
def test_paths_inside_the_repo_pass(file, line):
    assert outside_references(file, line) == []
