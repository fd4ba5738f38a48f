"""Evidence a parent gives for an absence: an appointment card, a hospital letter.

Special category data (UK GDPR art. 9): kept outside the web root and shown
only to the staff who deal with absences (the evidence_file view).
"""

from __future__ import annotations

import datetime as dt

from attendance.models import User

from .models import AbsenceReport, Evidence, LeaveRequest


def save_evidence(
    upload,
    *,
    by: User | None,
    now: dt.datetime,
    report: AbsenceReport | None = None,
    leave_request: LeaveRequest | None = None,
) -> Evidence | None:
    """Keep an upload with the report or leave request it supports.

    The upload has been checked by its form (its type read from the file
    itself, `checked_type`), so the stored content type is never the one the
    browser claimed. No upload, no evidence.
    """
    if not upload:
        return None
    evidence = Evidence(
        report=report,
        leave_request=leave_request,
        original_name=upload.name[:200],
        content_type=upload.checked_type,
        size=upload.size,
        uploaded_by=by,
        uploaded_at=now,
    )
    evidence.file.save(upload.name, upload, save=False)
    evidence.save()
    return evidence
