"""Every SLUICE_* variable the code reads is either set by the production config (Helm values,
manifests, secrets) or documented in docs/deploy.md's variable table; what production sets
is read by something; and the table's "required" rows are set on Kubernetes."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
CODE_DIRS = ["platform_assets", "resources", "sensors", "ml"]
# A quoted literal in Python; env_var('...') in dbt; `env: NAME` in a Dagster instance yaml.
PATTERNS = [
    re.compile(r"""["'](SLUICE_[A-Z0-9_]*[A-Z0-9])["']"""),
    re.compile(r"""env_var\(\s*["'](SLUICE_[A-Z0-9_]*[A-Z0-9])"""),
    re.compile(r"env:\s*(SLUICE_[A-Z0-9_]*[A-Z0-9])"),
]


def variables_read() -> dict[str, set[str]]:
    """name -> files that read it (code, the dbt project, the production instance yaml)."""
    files = [p for d in CODE_DIRS for p in (ROOT / d).rglob("*.py")]
    files += [
        p
        for ext in ("*.yml", "*.yaml", "*.sql")
        for p in (ROOT / "dbt").rglob(ext)
        if "target" not in p.parts
    ]
    files.append(ROOT / "deploy" / "dagster.yaml")
    found: dict[str, set[str]] = {}
    for path in files:
        text = path.read_text(errors="replace")
        for pattern in PATTERNS:
            for name in pattern.findall(text):
                if not name.startswith("SLUICE_TEST_"):
                    found.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    return found


def variables_set_on_kubernetes() -> set[str]:
    values = yaml.safe_load((ROOT / "deploy/helm/values.yaml").read_text())
    names = {e["name"] for e in values["dagster-user-deployments"]["deployments"][0]["env"]}
    for path in (ROOT / "deploy/k8s").glob("*.yaml"):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc and doc["kind"] == "ExternalSecret":
                names |= {d["secretKey"] for d in doc["spec"]["data"]}
            if doc and doc["kind"] == "Deployment":
                for container in doc["spec"]["template"]["spec"]["containers"]:
                    names |= {e["name"] for e in container.get("env", [])}
    return {n for n in names if n.startswith("SLUICE_")}


def documented() -> dict[str, str]:
    """`SLUICE_X` -> its row in docs/deploy.md's variable table."""
    rows = {}
    for line in (ROOT / "docs/deploy.md").read_text().splitlines():
        for name in re.findall(r"^\| `(SLUICE_[A-Z0-9_]+)`", line):
            rows[name] = line
    return rows


def test_the_scan_finds_the_variables_we_know():
    read = variables_read()
    assert {
        "SLUICE_STORAGE_URL",
        "SLUICE_POSTGRES_URL",
        "SLUICE_PII_SECRET_ID",
        "SLUICE_COMPUTE_LOGS_BUCKET",
    } <= set(read)


def test_every_variable_read_is_set_or_documented():
    missing = {
        name: sorted(files)
        for name, files in variables_read().items()
        if name not in variables_set_on_kubernetes() and name not in documented()
    }
    assert not missing, (
        "SLUICE_* variables read by the code but neither set in deploy/ nor in the table of "
        f"docs/deploy.md (say whether each is required or optional): {missing}"
    )


def test_every_variable_set_is_read_or_documented():
    # Documented covers a reader outside the scanned code (sluice-api's SLUICE_API_TOKENS);
    # what is left is a typo or a variable nothing reads any more.
    stale = variables_set_on_kubernetes() - set(variables_read()) - set(documented())
    assert not stale, f"set in deploy/ but read by nothing: {sorted(stale)}"


def test_required_variables_are_set_on_kubernetes():
    required = {name for name, row in documented().items() if "| required |" in row}
    assert required, "the variable table marks no variable as required"
    assert required <= variables_set_on_kubernetes(), sorted(
        required - variables_set_on_kubernetes()
    )
