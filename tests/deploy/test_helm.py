"""deploy/helm/values.yaml (Dagster's chart) and deploy/k8s/*.yaml, parsed and checked against
what the code, the image and deploy/dagster.yaml rely on. No cluster or helm binary here."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from platform_assets.run_tags import CATALOG, INGEST, K8S_CONFIG_TAG, KIND_TAG, POD_RESOURCES

ROOT = Path(__file__).resolve().parents[2]
VALUES = yaml.safe_load((ROOT / "deploy/helm/values.yaml").read_text())
INSTANCE = yaml.safe_load((ROOT / "deploy/dagster.yaml").read_text())
MANIFESTS = {
    path.name: [d for d in yaml.safe_load_all(path.read_text()) if d]
    for path in sorted((ROOT / "deploy/k8s").glob("*.yaml"))
}
USER_CODE = VALUES["dagster-user-deployments"]["deployments"][0]


def manifest(kind: str, name: str) -> dict:
    found = [
        d
        for docs in MANIFESTS.values()
        for d in docs
        if d["kind"] == kind and d["metadata"]["name"] == name
    ]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} manifests"
    return found[0]


def _cpu(value: str) -> float:
    return float(value[:-1]) / 1000 if value.endswith("m") else float(value)


def _memory_gi(value: str) -> float:
    units = {"Gi": 1.0, "Mi": 1 / 1024}
    number, unit = re.fullmatch(r"([\d.]+)(Gi|Mi)", value).groups()
    return float(number) * units[unit]


def test_every_manifest_parses_as_kubernetes_objects():
    assert MANIFESTS, "no manifests under deploy/k8s"
    for name, docs in MANIFESTS.items():
        for doc in docs:
            assert {"apiVersion", "kind", "metadata"} <= set(doc), name
            assert doc["metadata"].get("name"), name


def test_user_code_runs_the_image_command_and_code_location():
    dockerfile = (ROOT / "Dockerfile").read_text()
    cmd = json.loads(re.search(r"^CMD (\[.*\])$", dockerfile, re.M).group(1))
    assert USER_CODE["codeServerArgs"] == cmd[cmd.index("-m") : cmd.index("-m") + 2]
    assert str(USER_CODE["port"]) == cmd[cmd.index("-p") + 1]
    assert USER_CODE["includeConfigInLaunchedRuns"]["enabled"] is True
    api = manifest("Deployment", "sluice-api")["spec"]["template"]["spec"]["containers"][0]
    repository = USER_CODE["image"]["repository"]
    assert api["image"].rsplit(":", 1)[0] == repository, "the API runs the same image"


def test_k8s_run_launcher_and_external_postgres_from_a_secret():
    assert VALUES["runLauncher"]["type"] == "K8sRunLauncher"
    postgres = VALUES["postgresql"]
    assert postgres["enabled"] is False and VALUES["generatePostgresqlPasswordSecret"] is False
    assert postgres["postgresqlScheme"] == INSTANCE["storage"]["postgres"]["postgres_db"]["scheme"]
    assert postgres["postgresqlScheme"] == "postgresql+psycopg2"
    secret = manifest("ExternalSecret", VALUES["global"]["postgresqlSecretName"])
    assert [d["secretKey"] for d in secret["spec"]["data"]] == ["postgresql-password"]


def test_env_secrets_exist_and_hold_what_the_code_reads():
    names = {s["name"] for s in USER_CODE["envSecrets"]}
    names |= {s["name"] for s in VALUES["runLauncher"]["config"]["k8sRunLauncher"]["envSecrets"]}
    api = manifest("Deployment", "sluice-api")["spec"]["template"]["spec"]["containers"][0]
    names |= {e["secretRef"]["name"] for e in api["envFrom"]}
    for name in names:
        keys = {d["secretKey"] for d in manifest("ExternalSecret", name)["spec"]["data"]}
        assert "SLUICE_POSTGRES_URL" in keys
    env = {e["name"]: e["value"] for e in USER_CODE["env"]}
    assert env["SLUICE_STORAGE_URL"].startswith("s3://")
    assert (
        env["SLUICE_STORAGE_URL"].split("/")[2]
        == (VALUES["computeLogManager"]["config"]["s3ComputeLogManager"]["bucket"])
    )
    # PII keys come from Secrets Manager by id; the keys themselves are never in values.
    assert "SLUICE_PII_SECRET_ID" in env
    assert not {"SLUICE_PII_HMAC_KEY", "SLUICE_PII_ENCRYPTION_KEY"} & set(env)


def test_run_queue_limits_match_the_instance_config():
    queued = VALUES["dagsterDaemon"]["runCoordinator"]["config"]["queuedRunCoordinator"]
    assert VALUES["dagsterDaemon"]["runCoordinator"]["type"] == "QueuedRunCoordinator"
    helm_limits = {(t["key"], t["value"]): t["limit"] for t in queued["tagConcurrencyLimits"]}
    local = INSTANCE["run_coordinator"]["config"]["tag_concurrency_limits"]
    assert set(helm_limits) == {(t["key"], t["value"]) for t in local}
    assert set(helm_limits) == {(KIND_TAG, INGEST), (KIND_TAG, CATALOG)}
    assert helm_limits[(KIND_TAG, INGEST)] < queued["maxConcurrentRuns"]
    assert VALUES["computeLogManager"]["type"] == "S3ComputeLogManager"


def test_jobs_carry_the_kind_and_pod_size_tags():
    from platform_assets.definitions import defs

    kinds: dict[str, dict] = {}
    for job in defs.jobs:
        tags = job.tags or {}
        if job.name.startswith("__"):
            continue
        assert tags.get(KIND_TAG) in POD_RESOURCES, (
            f"job {job.name} needs a {KIND_TAG} tag (platform_assets/run_tags.py): the run queue "
            "limits and the run pod's size depend on it"
        )
        config = tags[K8S_CONFIG_TAG]
        kinds[tags[KIND_TAG]] = json.loads(config) if isinstance(config, str) else config
    assert {"ingest_events_job", "person_file_job", "catalog_nightly"} <= {
        j.name for j in defs.jobs
    }
    ingest, catalog = (kinds[k]["container_config"]["resources"] for k in (INGEST, CATALOG))
    for side in ("requests", "limits"):
        assert _cpu(ingest[side]["cpu"]) > _cpu(catalog[side]["cpu"])
        assert _memory_gi(ingest[side]["memory"]) > _memory_gi(catalog[side]["memory"])


def test_api_deployment_service_and_autoscaler_fit_together():
    deployment = manifest("Deployment", "sluice-api")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["command"][0] == "sluice-api"
    port = int(container["command"][container["command"].index("--port") + 1])
    assert container["ports"][0]["containerPort"] == port == 8000
    assert container["readinessProbe"]["httpGet"]["path"] == "/health"
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    service = manifest("Service", "sluice-api")
    assert service["spec"]["selector"].items() <= labels.items()
    assert service["spec"]["ports"][0]["targetPort"] == container["ports"][0]["name"]
    hpa = manifest("HorizontalPodAutoscaler", "sluice-api")
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "sluice-api",
    }
    assert 2 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]
    assert "cpu" in container["resources"]["requests"], "CPU autoscaling needs a CPU request"


@pytest.mark.parametrize("pod", ["webserver", "daemon", "user-code", "runs", "api"])
def test_every_pod_runs_as_the_image_non_root_user(pod):
    contexts = {
        "webserver": VALUES["dagsterWebserver"]["podSecurityContext"],
        "daemon": VALUES["dagsterDaemon"]["podSecurityContext"],
        "user-code": USER_CODE["podSecurityContext"],
        "runs": VALUES["runLauncher"]["config"]["k8sRunLauncher"]["runK8sConfig"]["podSpecConfig"][
            "securityContext"
        ],
        "api": manifest("Deployment", "sluice-api")["spec"]["template"]["spec"]["securityContext"],
    }
    dockerfile = (ROOT / "Dockerfile").read_text()
    image_uid = int(re.findall(r"^USER (\d+)", dockerfile, re.M)[-1])
    assert contexts[pod]["runAsNonRoot"] is True and contexts[pod]["runAsUser"] == image_uid
