"""`make deploy-check`: static checks of everything under deploy/ and the Dockerfile, offline.

checkov (installed into .venv-tools: its pins conflict with the project's) scans the Terraform,
the Dockerfile, the Kubernetes manifests and deploy/ for hardcoded secrets, with `--skip-download`
(no external modules, no policy download, no API key). Every finding is either fixed or skipped
with its reason in the file itself (`checkov:skip=ID:reason` comments and `checkov.io/skipN`
annotations). Then the deploy tests that need no services (Terraform parsed with python-hcl2,
Helm values and manifests, the image) run from the project's .venv. Exit status: 0 when all pass.

The Helm values are not scanned by checkov: its Helm framework renders charts with a `helm`
binary, which this machine does not have; tests/deploy/test_helm.py checks them instead.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOOLS_VENV = ROOT / ".venv-tools"
CHECKOV_REQUIREMENT = "checkov>=3.3,<3.4"
SCANS = [
    ("terraform", ["-d", "deploy/terraform", "--framework", "terraform"]),
    ("dockerfile", ["-f", "Dockerfile", "--framework", "dockerfile"]),
    ("kubernetes", ["-d", "deploy/k8s", "--framework", "kubernetes"]),
    ("secrets", ["-d", "deploy", "-f", "Dockerfile", "--framework", "secrets"]),
]
STATIC_TESTS = ["tests/deploy/test_terraform.py", "tests/deploy/test_helm.py",
                "tests/deploy/test_image.py", "tests/deploy/test_environment.py",
                "tests/deploy/test_lock.py"]


def ensure_checkov() -> Path:
    checkov = TOOLS_VENV / "bin" / "checkov"
    if not checkov.exists():
        if not (TOOLS_VENV / "bin" / "pip").exists():
            subprocess.run([sys.executable, "-m", "venv", str(TOOLS_VENV)], check=True)
        subprocess.run([str(TOOLS_VENV / "bin" / "pip"), "install", "--quiet",
                        CHECKOV_REQUIREMENT], check=True)
    return checkov


def main() -> int:
    checkov = ensure_checkov()
    failed = []
    for name, args in SCANS:
        print(f"[deploy-check] checkov: {name}", flush=True)
        done = subprocess.run([str(checkov), *args, "--compact", "--quiet", "--skip-download"],
                              cwd=ROOT)
        if done.returncode != 0:
            failed.append(f"checkov {name}")
    pytest = ROOT / ".venv" / "bin" / "pytest"
    print("[deploy-check] static deploy tests", flush=True)
    if subprocess.run([str(pytest), "-q", "-p", "no:cacheprovider", *STATIC_TESTS],
                      cwd=ROOT).returncode != 0:
        failed.append("static deploy tests")
    if failed:
        print(f"[deploy-check] FAILED: {', '.join(failed)}", flush=True)
        return 1
    print("[deploy-check] all passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
