"""Dagster's own instance storage on Postgres: render a DAGSTER_HOME's dagster.yaml."""

from __future__ import annotations

from pathlib import Path
from string import Template

from tools.embedded_postgres import to_sqlalchemy_psycopg2_url

TEMPLATE_PATH = Path(__file__).resolve().parent / "dagster_postgres.yaml.tmpl"


def render_dagster_yaml(postgres_url: str, max_concurrent_runs: int = 4) -> str:
    """dagster.yaml text storing the instance in the database of ``postgres_url``.

    Any ``postgresql://`` URL is accepted and rewritten to ``postgresql+psycopg2://``.
    """
    url = to_sqlalchemy_psycopg2_url(postgres_url)
    if '"' in url or "\n" in url:
        raise ValueError("Dagster Postgres URL must not contain quotes or newlines")
    return Template(TEMPLATE_PATH.read_text()).substitute(
        postgres_url=url, max_concurrent_runs=max_concurrent_runs
    )


def write_dagster_home(home: Path, postgres_url: str, max_concurrent_runs: int = 4) -> Path:
    """Create ``home`` with a Postgres-backed dagster.yaml; return the yaml's path."""
    home.mkdir(parents=True, exist_ok=True)
    path = home / "dagster.yaml"
    path.write_text(render_dagster_yaml(postgres_url, max_concurrent_runs))
    return path
