"""A first-day call the office makes, as it records it on the calling list.

The automatic messages and the calling list itself are absences.calling.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from attendance.models import Contact, Pupil, User

from .models import AbsenceReport, ContactAttempt
from .services import log_absence_report


@transaction.atomic
def record_call(
    pupil: Pupil,
    *,
    contact: Contact,
    outcome: str,
    notes: str,
    reason: str,
    expected_return: dt.date | None,
    by: User,
    now: dt.datetime,
    today: dt.date,
) -> ContactAttempt:
    """Record a call to a contact and, when they gave one, the reason for the absence.

    The call and the report it took are one record of the morning: a report
    refused by its bounds (log_absence_report) saves neither, so the office
    rings again rather than leave a call that seems to have explained nothing.
    """
    attempt = ContactAttempt.objects.create(
        pupil=pupil,
        date=today,
        kind=ContactAttempt.Kind.PHONE_CALL,
        channel=ContactAttempt.Channel.PHONE,
        contact=contact,
        recipient=contact.mobile_phone or contact.home_phone or "phone",
        status=outcome,
        notes=notes,
        made_by=by,
        created_at=now,
        updated_at=now,
    )
    if reason:
        log_absence_report(
            pupil,
            reason=reason,
            reporter_name=contact.name,
            channel=AbsenceReport.Channel.FIRST_DAY_CALL,
            first_day=today,
            now=now,
            by=by,
            contact=contact,
            details=notes,
            expected_return=expected_return,
        )
    return attempt
