# The README's quick start. Only Python >= 3.11 and make are needed: everything else is installed here.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
export DAWA_HOME ?= $(CURDIR)/.dawa

.PHONY: install demo test dev lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/dawa demo

test: $(STAMP)
	$(BIN)/pytest -n auto $(PYTEST_ARGS)

dev: $(STAMP)
	./scripts/dev.sh

lint: $(STAMP)
	$(BIN)/ruff check dawa_pipeline dawa_pipeline_tests benchmarks
	$(BIN)/ruff format --check dawa_pipeline dawa_pipeline_tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_parse.py
	$(BIN)/python benchmarks/bench_ingest.py --sets 500
	$(BIN)/python benchmarks/bench_rls.py
	$(BIN)/python benchmarks/bench_bulk_flood.py
	$(BIN)/python benchmarks/bench_dead_runs.py
	$(BIN)/python benchmarks/bench_dataset.py
	$(BIN)/python benchmarks/bench_live.py --sets 20

clean:
	rm -rf $(VENV) build *.egg-info
