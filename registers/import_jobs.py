"""The Setup page's import of earlier marks as a background job: the file is
kept in private storage until the worker has read it, and the job's progress
rides in the Celery result backend, which the progress page polls."""

from __future__ import annotations

import uuid

from celery.result import AsyncResult
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from attendance.models import School, User

from . import imports


def start_import(school: School, user: User, data: bytes, file_name: str) -> str:
    """Queue the import; the job's id, which the progress page polls."""
    from .tasks import import_marks

    stored = default_storage.save(f"imports/marks-{uuid.uuid4().hex}.csv", ContentFile(data))
    return import_marks.delay(school.pk, user.pk, stored, file_name).id


def run_import(task, school_id: int, user_id: int, stored: str, file_name: str) -> dict:
    school = School.objects.get(pk=school_id)
    user = User.objects.get(pk=user_id)

    def progress(done: int, total: int) -> None:
        task.update_state(state="PROGRESS", meta={"done": done, "total": total, "user_id": user_id})

    try:
        with default_storage.open(stored, "rb") as f:
            data = f.read()
        progress(0, 0)
        result = imports.import_marks(
            school, data, file_name, by=user, now=timezone.now(), progress=progress
        )
    finally:
        # Pupils' marks are personal data: the upload is not kept.
        default_storage.delete(stored)
    return {
        "user_id": user_id,
        "ok": result.ok,
        "imported": result.imported,
        "rows": result.rows,
        "errors": result.error_lines(),
    }


def job_status(job_id: str, user: User) -> dict | None:
    """What the progress page shows; None for another user's job (or none)."""
    # One read of the backend: AsyncResult.state and .info each read it
    # afresh, so a job moving on between the two looked like another user's.
    meta = AsyncResult(job_id).backend.get_task_meta(job_id)
    state, result = meta["status"], meta.get("result")
    info = result if isinstance(result, dict) else {}
    if state == "PENDING":
        # Queued, or unknown: the id is a random UUID only its uploader saw.
        return {"state": "queued", "done": 0, "total": 0}
    if state in ("FAILURE", "REVOKED"):
        # The result is the error, without the uploader's id; the message
        # says nothing about the file, and the id is a random UUID.
        return {"state": "failed", "errors": ["The import failed; nothing has changed."]}
    if info.get("user_id") != user.pk:
        return None
    if state == "PROGRESS":
        return {"state": "running", "done": info["done"], "total": info["total"]}
    if state == "SUCCESS":
        return {"state": "done", **{k: v for k, v in info.items() if k != "user_id"}}
    return {"state": "failed", "errors": ["The import failed; nothing has changed."]}
