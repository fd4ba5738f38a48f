# Rollcall: `make run` serves the demo school, `make test` runs the suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export DEBUG ?= true

.PHONY: run test lint format install system services migrate seed clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# An application run from its checkout: install what it needs, not the checkout itself.
	$(PY) -m pip install --quiet ".[dev]"
	touch $@

install: $(VENV)/.installed

system:
	scripts/bootstrap.sh

services: system install
	$(PY) scripts/ensure_services.py

migrate: services
	$(PY) manage.py migrate --no-input

seed: migrate
	$(PY) manage.py seed_demo

run: seed
	$(PY) manage.py collectstatic --no-input -v 0
	scripts/run.sh

test: services
	$(VENV)/bin/pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) var
