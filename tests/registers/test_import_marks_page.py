"""The Setup page's import of earlier marks: an upload, a job in the worker,
and a progress page that the browser polls."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from registers.models import Mark

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def upload(client, text: str):
    return client.post(
        reverse("registers:import_marks"),
        {"file": SimpleUploadedFile("earlier.csv", text.encode())},
    )


def poll(client, url: str) -> dict:
    for _ in range(60):
        status = client.get(url, headers={"Accept": "application/json"}).json()
        if status["state"] in ("done", "failed"):
            return status
        time.sleep(0.25)
    raise AssertionError("the import did not finish")


def test_the_setup_page_offers_the_marks_import(client, cast):
    client.force_login(cast.olive)
    page = client.get(reverse("attendance:setup")).content.decode()
    assert reverse("registers:import_marks") in page and "Earlier marks" in page


def test_an_upload_runs_in_the_worker_and_the_page_follows_it(client, cast, worker, tmp_path):
    client.force_login(cast.olive)
    rows = "".join(f"{cast.poppy.upn},2026-11-0{d},AM,/,\n" for d in range(2, 7))
    response = upload(client, "upn,date,session,code,status\n" + rows)
    assert response.status_code == 302
    status = poll(client, response.url)
    assert status == {"state": "done", "ok": True, "imported": 5, "rows": 5, "errors": []}
    assert Mark.objects.filter(source="import").count() == 5
    page = client.get(response.url).content.decode()
    assert "Imported 5 marks." in page and "js/import-progress.js" in page
    assert not list(tmp_path.rglob("*.csv"))  # the upload is not kept


def test_without_a_worker_the_job_runs_in_place_and_the_page_still_finishes(client, cast):
    # CELERY_TASK_ALWAYS_EAGER, as in a development setup without a worker.
    client.force_login(cast.olive)
    response = upload(client, f"upn,date,session,code\n{cast.poppy.upn},2026-11-02,AM,/\n")
    assert poll(client, response.url)["state"] == "done"
    assert "Imported 1 mark" in client.get(response.url).content.decode()


def test_a_bad_file_is_listed_and_nothing_changes(client, cast, worker):
    client.force_login(cast.olive)
    response = upload(client, "upn,date,session,code\n9999,2026-11-02,AM,/\n")
    status = poll(client, response.url)
    assert status["state"] == "done" and not status["ok"]
    assert "no pupil at this school has UPN '9999'" in status["errors"][0]
    assert Mark.objects.count() == 0


def test_another_user_cannot_follow_the_job(client, cast, worker):
    client.force_login(cast.olive)
    response = upload(client, f"upn,date,session,code\n{cast.poppy.upn},2026-11-02,AM,/\n")
    poll(client, response.url)
    client.force_login(cast.adam)
    assert client.get(response.url).status_code == 404


@pytest.mark.parametrize("role", ["teacher", "governor", "attendance officer"])
def test_roles_without_the_import_permission_get_403(client, cast, role):
    client.force_login(cast.by_role()[role])
    assert upload(client, "upn,date,session,code\n").status_code == 403


def test_a_job_that_failed_says_so_instead_of_not_found(client, cast):
    import uuid

    from config.celery import app

    job_id = str(uuid.uuid4())
    app.backend.mark_as_failure(job_id, RuntimeError("the worker lost its database"))
    client.force_login(cast.olive)
    url = reverse("registers:import_marks_progress", args=[job_id])
    status = client.get(url, headers={"Accept": "application/json"}).json()
    assert status == {"state": "failed", "errors": ["The import failed; nothing has changed."]}
