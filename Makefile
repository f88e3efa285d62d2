# DECNET developer commands. `make test` is what CI runs (.ci/run).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: help demo demo-down test lint typecheck pytest services bench bench-quick clean
.DEFAULT_GOAL := help

help:
	@echo "make demo        a single-host constellation with a small fleet on its own demo LAN"
	@echo "make demo-down   remove the demo (fleet, constellation, LAN)"
	@echo "make test        install, start what tests need, run ruff, mypy and every test tier"
	@echo "make bench       the ingest-path benchmark (bench/fleet.py, bench/constellation.py: see bench/)"

## demo: venv, install, then a single-host constellation with a small fleet on its own demo LAN
demo: $(STAMP)
	@scripts/ensure-services.sh >/dev/null 2>&1 || true
	@scripts/demo.sh

demo-down:
	@scripts/demo-down.sh

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

## test: install, start what the tests need, then ruff, mypy and every pytest tier
test: $(STAMP) services lint typecheck pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy decnet

pytest: $(STAMP)
	$(VENV)/bin/pytest

## services: the MariaDB server the storage tests use, and the real clients system tests drive
services:
	@scripts/ensure-services.sh
	@scripts/ensure-test-deps.sh

## bench: the ingest-path benchmark (prints JSON on its last line)
bench: $(STAMP) services
	$(PY) bench/ingest_path.py

bench-quick: $(STAMP) services
	$(PY) bench/ingest_path.py --quick

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
