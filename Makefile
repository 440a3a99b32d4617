# The README's commands. Everything runs from the repo's own .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install dev test demo bench lint clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

## dagster dev on embedded defaults: UI on http://127.0.0.1:3000, sensors running
dev: install
	$(BIN)/python -m tools.dev_server

## the whole test suite against real services (moto, Postgres, a real Dagster instance)
test: install
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/pytest -q

## one command to see the platform work: generate a day of events and ingest it
demo: install
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m tools.demo

## benchmarks (all, or e.g. BENCH=events); results in docs/benchmarks.json and docs/benchmarks.md
bench: install
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m tools.bench.run $(BENCH)

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf .sluice
