"""The heartbeat through a real worker over Redis, and a real beat stopped and running."""

import os
import signal
import subprocess
import sys
import time

import pytest
from django.db import connection
from django.urls import reverse

from reporting.tasks import heartbeat

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("no_jobs_run")]


def heartbeat_check(client) -> tuple[int, dict]:
    response = client.get(reverse("reporting:healthz"), {"check": "heartbeat"})
    return response.status_code, response.json()["checks"][0]


def test_a_heartbeat_run_by_a_worker_makes_healthz_pass(client, worker):
    assert heartbeat_check(client)[0] == 503
    heartbeat.delay().get(timeout=30)
    status, check = heartbeat_check(client)
    assert status == 200
    assert check["ok"]


def _celery(*args, env):
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", *args, "--loglevel=WARNING"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _wait_for(client, status: int, timeout: float) -> None:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if heartbeat_check(client)[0] == status:
            return
        time.sleep(0.5)
    raise AssertionError(f"/healthz did not answer {status} within {timeout} s")


def test_healthz_fails_when_beat_stops_and_passes_while_it_runs(client, tmp_path, settings):
    # Beat and a worker as production runs them, with a two-second heartbeat
    # (stale after six). Any other job beat sends runs against the test
    # database, never the development one.
    db = connection.settings_dict
    env = {
        **os.environ,
        "HEARTBEAT_SECONDS": "2",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "DATABASE_AS_OWNER": "false",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}",
    }
    settings.HEARTBEAT_SECONDS = 2
    worker = _celery("worker", "--pool=solo", env=env)
    beat = _celery("beat", "--schedule", str(tmp_path / "beat-schedule"), env=env)
    try:
        _wait_for(client, 200, timeout=40)
        os.killpg(beat.pid, signal.SIGTERM)
        beat.wait(timeout=20)
        _wait_for(client, 503, timeout=20)
        status, check = heartbeat_check(client)
        assert status == 503
        assert check["detail"].endswith("is beat or the worker stopped?")
    finally:
        for process in (beat, worker):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=20)
