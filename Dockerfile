# syntax=docker/dockerfile:1
# Sluice's one image: the Dagster code server by default (the Helm chart's user code deployment
# and every run pod the K8sRunLauncher starts), and the HTTP API with `sluice-api`.
#
#   docker build -t sluice:$(git rev-parse --short HEAD) .
#   docker run sluice:TAG                                          # code server on :4000
#   docker run -p 8000:8000 sluice:TAG sluice-api --host 0.0.0.0 --port 8000
#
# Installs exactly requirements.lock (no dev or test dependencies), then the project the way
# `make install` does (editable, --no-deps), and parses the dbt project so the manifest
# dagster-dbt needs is in the image. No secrets at build time: everything comes from env at run.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm
# checkov:skip=CKV_DOCKER_7:the base is the ARG above, python:3.11-slim-bookworm (a version tag), which checkov cannot resolve
# checkov:skip=CKV_DOCKER_2:one image, two programs (code server, sluice-api); Kubernetes ignores HEALTHCHECK and probes each Deployment itself (Helm chart, deploy/k8s/api.yaml)

# ---------------------------------------------------------------------------------- build
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH
RUN python -m venv /opt/venv && pip install --upgrade pip
WORKDIR /app

# Dependencies first: this layer is reused until the lock changes.
COPY requirements.lock ./
RUN pip install -r requirements.lock

COPY pyproject.toml README.md ./
COPY platform_assets ./platform_assets
COPY resources ./resources
COPY sensors ./sensors
COPY ml ./ml
COPY tools ./tools
COPY jobs ./jobs
COPY dbt ./dbt
RUN pip install --no-deps -e .

# dagster-dbt loads the manifest before the definitions load: build it now (no dbt Hub
# packages, nothing downloaded). Skipped while dbt/ holds no project yet.
RUN if [ -f dbt/dbt_project.yml ]; then \
        dbt parse --project-dir dbt --profiles-dir dbt --target-path target; \
    fi

# -------------------------------------------------------------------------------- runtime
FROM ${PYTHON_IMAGE} AS runtime
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    DAGSTER_HOME=/opt/dagster/dagster_home \
    SLUICE_CATALOG_PATH=/var/lib/sluice/catalog/lake.duckdb

# A fixed non-root uid, so Kubernetes' runAsNonRoot can check it.
RUN groupadd --system --gid 10001 sluice \
    && useradd --system --uid 10001 --gid sluice --home-dir /var/lib/sluice --create-home sluice \
    && mkdir -p /opt/dagster/dagster_home \
    && chown sluice:sluice /opt/dagster/dagster_home

COPY --from=build /opt/venv /opt/venv
# Code read-only for the user; dbt writes its target/ and logs/ at run time.
COPY --from=build /app /app
RUN chown -R sluice:sluice /app/dbt

WORKDIR /app
USER 10001:10001
EXPOSE 4000 8000

CMD ["dagster", "code-server", "start", "-m", "platform_assets.definitions", "-h", "0.0.0.0", "-p", "4000", "--location-name", "sluice"]
