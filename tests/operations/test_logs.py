"""Logs are one JSON object a line in production, with ids and no names; errors
go to Sentry when a DSN is set (for the web process and the workers)."""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.logs import JsonFormatter

ROOT = Path(__file__).resolve().parents[2]


def test_a_log_line_is_one_json_object_with_its_extra_fields():
    record = logging.LogRecord(
        "absences.calling", logging.INFO, __file__, 1, "queued %s", (3,), None
    )
    record.pupil_id = 42
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "queued 3" and entry["pupil_id"] == 42
    assert entry["level"] == "INFO" and entry["logger"] == "absences.calling"
    assert entry["time"].endswith("+00:00")


def _settings_in_a_fresh_process(**env) -> dict:
    code = (
        "import django, json, logging, sentry_sdk; django.setup();"
        "from django.conf import settings;"
        "handler = logging.getLogger().handlers[0];"
        "print(json.dumps({'format': type(handler.formatter).__name__,"
        " 'sentry': sentry_sdk.get_client().is_active()}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_logs_json_and_reports_errors_to_sentry_when_a_dsn_is_set():
    production = _settings_in_a_fresh_process(
        DEBUG="false",
        LOG_FORMAT="json",
        SENTRY_DSN="https://key@sentry.invalid/1",
        SECRET_KEY="a-long-random-production-key-for-this-test-only-0123456789",
        ALLOWED_HOSTS="rollcall.example",
    )
    assert production == {"format": "JsonFormatter", "sentry": True}
    development = _settings_in_a_fresh_process(DEBUG="true", LOG_FORMAT="", SENTRY_DSN="")
    assert development == {"format": "Formatter", "sentry": False}


@pytest.mark.django_db
def test_sign_ins_are_logged_by_id_and_a_failed_guess_logs_no_username(client, cast, caplog):
    """Logs leave the database's access controls: ids only, never what was typed."""
    with caplog.at_level(logging.INFO, logger="rollcall.sign_in"):
        client.post("/login/", {"username": "alice", "password": "wrong-password-guess"})
        client.force_login(cast.alice)
    lines = [(r.getMessage(), getattr(r, "user_id", None)) for r in caplog.records]
    assert ("sign-in failed", None) in lines and ("sign-in", cast.alice.pk) in lines
    text = " ".join(JsonFormatter().format(r) for r in caplog.records)
    assert "alice" not in text and "wrong-password-guess" not in text


@pytest.mark.django_db
def test_an_import_is_logged_with_row_numbers_and_no_values_from_the_file(cast, caplog):
    from attendance.imports import import_contacts

    csv = "contact_id,pupil_upn,first_name,last_name,relationship\nC1,Z999,Mia,Secretname,mother\n"
    with caplog.at_level(logging.INFO, logger="rollcall.imports"):
        result = import_contacts(cast.school, csv)
    assert result.errors
    (record,) = caplog.records
    assert (record.getMessage(), record.error_rows, record.rows_created) == (
        "import refused",
        [2],
        0,
    )
    assert "Secretname" not in JsonFormatter().format(
        record
    ) and "Z999" not in JsonFormatter().format(record)


def test_every_task_is_logged_with_its_result_and_time(caplog):
    from config.celery import app

    @app.task(name="tests.operations.count_to_three")
    def count_to_three(school_id):
        return 3

    with caplog.at_level(logging.INFO, logger="rollcall.tasks"):
        assert count_to_three.apply(args=[7]).get() == 3
    started = [r for r in caplog.records if r.getMessage() == "task started"]
    assert started[0].task_args == [7]
    finished = [r for r in caplog.records if r.getMessage() == "task finished"]
    assert finished[0].task == "tests.operations.count_to_three" and finished[0].result == 3
    assert finished[0].seconds is not None
