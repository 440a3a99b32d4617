"""Every console script answers --help, and every option in it says what it is for."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"])
OPTION = re.compile(r"^  (-\S.*?)(\s{2,}\S.*)?$")


def options_without_help(help_text: str) -> list[str]:
    """Option lines of argparse's help with no text beside them or indented below them."""
    lines = help_text.splitlines()
    missing = []
    for index, line in enumerate(lines):
        match = OPTION.match(line)
        if not match or line.startswith("  -h, --help") or match.group(2):
            continue
        below = lines[index + 1] if index + 1 < len(lines) else ""
        if not re.match(r"^\s{6,}[^\s-]", below):
            missing.append(match.group(1).strip())
    return missing


@pytest.mark.parametrize("script", SCRIPTS)
def test_every_option_has_help(script):
    done = subprocess.run(
        [str(Path(sys.executable).parent / script), "--help"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "usage:" in done.stdout
    assert options_without_help(done.stdout) == []


def test_an_option_without_help_is_caught():
    text = "options:\n  -h, --help  show this\n  --seed SEED\n  --rate RATE  share of bad rows\n"
    assert options_without_help(text) == ["--seed SEED"]
