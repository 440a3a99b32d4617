"""Run tags every job carries: what kind of work a run is, and what a Kubernetes pod it needs.

`sluice/kind` is what the run queue limits (deploy/dagster.yaml, deploy/helm/values.yaml:
at most N `ingest` runs at once, whatever else is queued); `dagster-k8s/config` is what the
K8sRunLauncher reads to size the run's pod. Ingest runs hold a 50,000-line batch (of 10 KB
events in production) and write Parquet on a second thread, so they get two cores and several
GiB; catalog runs only rebuild DuckDB views. Sizes come from docs/deploy.md's sizing section.
"""

from __future__ import annotations

KIND_TAG = "sluice/kind"
K8S_CONFIG_TAG = "dagster-k8s/config"

INGEST = "ingest"  # landing files / queue messages -> lake and tables (queue-limited)
TRANSFORM = "transform"  # what reads the lake and tables: marts, KPIs, the user-keyed copy
CATALOG = "catalog"  # the DuckDB catalog rebuild: one writer of one file (queue-limited)


def _pod(cpu_request: str, memory_request: str, cpu_limit: str, memory_limit: str) -> dict:
    return {
        "container_config": {
            "resources": {
                "requests": {"cpu": cpu_request, "memory": memory_request},
                "limits": {"cpu": cpu_limit, "memory": memory_limit},
            }
        }
    }


POD_RESOURCES = {
    INGEST: _pod("2", "4Gi", "2", "6Gi"),
    TRANSFORM: _pod("1", "2Gi", "2", "4Gi"),
    CATALOG: _pod("500m", "1Gi", "1", "2Gi"),
}


def run_tags(kind: str) -> dict:
    """The tags of a job whose runs are of this kind (job tags become every run's tags)."""
    if kind not in POD_RESOURCES:
        raise ValueError(f"unknown run kind {kind!r} (known: {', '.join(sorted(POD_RESOURCES))})")
    return {KIND_TAG: kind, K8S_CONFIG_TAG: POD_RESOURCES[kind]}


INGEST_RUN_TAGS = run_tags(INGEST)
TRANSFORM_RUN_TAGS = run_tags(TRANSFORM)
CATALOG_RUN_TAGS = run_tags(CATALOG)


def pod_tags_for(tags: dict) -> dict:
    """The `dagster-k8s/config` tag for a job file's `sluice/kind` tag ({} without a kind)."""
    kind = tags.get(KIND_TAG)
    return {K8S_CONFIG_TAG: POD_RESOURCES[kind]} if kind in POD_RESOURCES else {}
