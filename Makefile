# Concord: `make demo` runs the pipeline end to end; `make test` runs the tests. Both set up first.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := .concord/setup.stamp
SCALE ?= medium
# Workspace members installed editable beside the concord package (their dependencies come from the lock).
MEMBERS := . $(patsubst %/pyproject.toml,%,$(wildcard sandbox/pyproject.toml taps/*/pyproject.toml))
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AIRFLOW__COSMOS__ENABLE_TELEMETRY := False

.PHONY: help setup demo test bench lint lock clean airflow

help:
	@echo "make demo   set up, then run the whole pipeline end to end and print a summary"
	@echo "make test   set up, then run the whole test suite"
	@echo "make bench  run the benchmarks (SCALE=small|medium|large), write BENCHMARKS.md"
	@echo "make lint   ruff"
	@echo "make airflow  airflow standalone on dags/ with the project's settings (prints the admin password)"

setup:
	@bash scripts/setup.sh "$(PY)" $(MEMBERS)

demo: setup
	@$(BIN)/python -m concord.demo

airflow: setup
	@$(BIN)/python -m concord.orchestration.standalone

test: setup
	@$(BIN)/python -m pytest -n 2 --dist loadfile

bench: setup
	@$(BIN)/python -m bench --scale $(SCALE)

lint: setup
	@$(BIN)/ruff check .

# Re-resolve requirements.in into requirements.lock (needs the package registry).
lock:
	@$(BIN)/uv pip compile -q requirements.in -p 3.11 -o requirements.lock

clean:
	-@$(BIN)/python -c 'from concord.warehouse.embedded import EmbeddedCluster; EmbeddedCluster().destroy()' 2>/dev/null
	rm -rf .concord $(VENV)
