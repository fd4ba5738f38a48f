#!/usr/bin/env bash
# Serve the demo school: web on 127.0.0.1:8000, a Celery worker and beat.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
mkdir -p var
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

.venv/bin/celery -A config worker --pool=solo --loglevel=INFO >var/celery-worker.log 2>&1 &
pids+=($!)
.venv/bin/celery -A config beat --loglevel=INFO --schedule var/celerybeat-schedule >var/celery-beat.log 2>&1 &
pids+=($!)

cat <<TXT

  Rollcall is running at http://127.0.0.1:8000/
  Celery worker and beat are running (logs in var/celery-*.log). Ctrl-C stops everything.

  Demo logins (password for all: ${DEMO_PASSWORD:-rollcall-demo}):
$($PY manage.py seed_demo --list-logins)

TXT
$PY manage.py runserver 127.0.0.1:8000 &
pids+=($!)
wait -n
