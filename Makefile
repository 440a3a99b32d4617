# The README's commands. Everything runs from the repo's own .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install lock dev serve test demo bench lint clean prod-local deploy-check

install: $(VENV)/.installed

# Exact versions from the lock (runtime + test extras), then the project itself without
# resolving anything: a fresh clone installs the same versions every time.
$(VENV)/.installed: pyproject.toml requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.lock
	$(BIN)/pip install --quiet --no-deps -e .
	$(BIN)/pip check
	touch $@

## regenerate requirements.lock (image) and requirements-dev.lock (make install, CI) with uv;
## UPGRADE=1 moves every pin to the newest allowed version
lock:
	$(PYTHON) tools/lock.py $(if $(UPGRADE),--upgrade)

## dagster dev on embedded defaults: UI on http://127.0.0.1:3000, sensors running
dev: install
	$(BIN)/python -m tools.dev_server

## the serving API alone on http://127.0.0.1:8000 (docs at /docs; SLUICE_API_PORT); reads
## SLUICE_STORAGE_URL and SLUICE_POSTGRES_URL; a development token unless SLUICE_API_TOKENS is set
serve: install
	$(BIN)/python -m tools.dev_api

## the whole test suite against real services (moto, Postgres, a real Dagster instance)
test: install
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/pytest -q

## one command to see the platform work: generate a day of events and ingest it
demo: install
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m tools.demo

## benchmarks (all, or e.g. BENCH=events); results in docs/benchmarks.json and docs/benchmarks.md
bench: install
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m tools.bench.run $(BENCH)

## the production topology on this machine: webserver, daemon, code server, Postgres, S3 (moto)
prod-local: install
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m tools.prod_local

## static checks of deploy/ (checkov over Terraform, Helm values, k8s manifests, Dockerfile; offline)
deploy-check: install
	$(PYTHON) tools/deploy_check.py

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf .sluice
