# The two commands: `make run` starts the assistant, `make test` runs the tests.
.DEFAULT_GOAL := help
PY := .venv/bin/python
UV := .cache/tools/bin/uv

.PHONY: help setup run cluster train test test-fast lint lock clean

help:
	@echo "make run       set up what is missing, train the Rasa model if its inputs changed, start Rasa (:5005) and the API (:8000)"
	@echo "make cluster   the same as two Rasa and two API replicas behind HAProxy, on PostgreSQL, Redis and RabbitMQ"
	@echo "make test      set up, then run every test (unit, rasa data validate, end-to-end with a real Rasa server)"
	@echo "make test-fast the tests without the end-to-end ones"
	@echo "make setup     create/refresh .venv (Python 3.11) and .venv-rasa (Python 3.9/3.10, rasa 3.6.21)"
	@echo "make train     train the Rasa model now (skipped when the cached one matches)"
	@echo "make lint      ruff, mypy and the package layers (import-linter)"
	@echo "make lock      re-resolve uv.lock and bot/requirements-rasa.lock"

setup:
	@bash scripts/setup.sh

run: setup
	@$(PY) -m launcher

cluster: setup
	@bash scripts/test_services.sh --cluster
	@$(PY) -m launcher --cluster

train: setup
	@$(PY) -m launcher.model

test: setup
	@bash scripts/test_services.sh
	@$(PY) -m pytest

test-fast: setup
	@$(PY) -m pytest -m "not e2e"

lint: setup
	@$(PY) -m ruff check .
	@$(PY) -m mypy
	@.venv/bin/lint-imports

lock:
	@bash scripts/setup.sh >/dev/null 2>&1 || true
	$(UV) lock
	$(UV) pip compile -q --python-version 3.9 --python-platform x86_64-manylinux_2_28 --no-header \
	  --annotation-style line bot/requirements-rasa.in -o bot/requirements-rasa.lock

clean:
	rm -rf var .rasa .pytest_cache .mypy_cache .ruff_cache
