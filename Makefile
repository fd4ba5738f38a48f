# Rollcall: `make run` serves the demo school, `make test` runs the suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export DEBUG ?= true

.PHONY: demo-code run serve collectstatic test lint format typecheck install system services migrate seed backup restore clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	# -qq: errors only (a machine's own pip configuration can warn about every package).
	$(PY) -m pip install -qq --upgrade pip
	# An application run from its checkout: install what it needs, not the checkout itself.
	$(PY) -m pip install -qq ".[dev]"
	touch $@

install: $(VENV)/.installed

system:
	scripts/bootstrap.sh

services: system install
	$(PY) scripts/ensure_services.py

# Migrations and the demo seed act as the database's owner role; everything
# else (the web process, the worker, beat) connects as the application role.
migrate: services
	DATABASE_AS_OWNER=true $(PY) manage.py migrate --no-input

seed: migrate
	DATABASE_AS_OWNER=true $(PY) manage.py seed_demo --refresh

# One archive of the database and the private media into BACKUP_DIR (default
# var/backups), and `make restore FILE=...` to put one back: DATABASE=name
# restores into another database, FORCE=1 replaces what is there (README,
# "Backups and restore"). Both act as the owner role, as migrate does.
backup: services
	DATABASE_AS_OWNER=true $(PY) manage.py backup

restore: services
	@test -n "$(FILE)" || { echo "Usage: make restore FILE=var/backups/rollcall-<UTC time>.tar [DATABASE=name] [FORCE=1]"; exit 2; }
	DATABASE_AS_OWNER=true $(PY) manage.py restore "$(FILE)" $(if $(DATABASE),--database "$(DATABASE)") $(if $(FORCE),--force)

# Static files are collected as production collects them (hashed, with a
# manifest), so the same var/static also serves with DEBUG off.
collectstatic: install
	DEBUG=false SECRET_KEY=collectstatic-only-$$RANDOM$$RANDOM$$RANDOM$$RANDOM$$RANDOM$$RANDOM$$RANDOM$$RANDOM \
	  $(PY) manage.py collectstatic --no-input -v 0

# The demo logins' second-factor code right now (README).
demo-code: install
	@$(PY) manage.py seed_demo --code

run: seed collectstatic
	scripts/run.sh

# Production settings on this machine (DEBUG off, gunicorn, WhiteNoise), over
# plain HTTP on 127.0.0.1:8000: a try-out of the deployment path, not a deployment.
serve: seed collectstatic
	DEBUG=false SECURE_SSL_REDIRECT=false SECURE_COOKIES=false SECURE_HSTS_SECONDS=0 \
	  SECRET_KEY=$${SECRET_KEY:-$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')} \
	  $(VENV)/bin/gunicorn config.wsgi --bind 127.0.0.1:8000 --workers 2 --access-logfile -

test: services typecheck
	$(VENV)/bin/pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# mypy with django-stubs over services, selectors and the statutory tables
# (the files are listed under [tool.mypy] in pyproject.toml). DEBUG only lets
# the settings load without a production SECRET_KEY.
typecheck: install
	DEBUG=true $(VENV)/bin/mypy

clean:
	rm -rf $(VENV) var
