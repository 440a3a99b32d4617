"""Where the project keeps its own local state: the repository root and its git-ignored .sluice/."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SLUICE_DIR = PROJECT_ROOT / ".sluice"
