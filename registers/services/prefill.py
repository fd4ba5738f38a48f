"""Prefilling registers with the marks the school knows before the day starts."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from attendance.models import School
from attendance.selectors import pupils_on_roll

from ..models import Mark
from .marks import register_for, write_mark


def prefill_planned_marks(school: School, day: dt.date, now: dt.datetime) -> int:
    """Write the day's known marks (reports, leave, part-time timetables) before
    the register is taken, so teachers see them. Never overwrites a mark;
    leave refused (G) waits for the close, when it is known who is absent.
    Returns the number of marks written."""
    from attendance.school_calendar import SchoolCalendar

    from ..hooks import planned_marks

    sessions = SchoolCalendar(school).sessions_on(day)
    if not sessions:
        return 0
    pupils = {p.id: p for p in pupils_on_roll(school, day).select_related("registration_group")}
    planned = {
        key: plan
        for key, plan in planned_marks(school, day, list(pupils)).items()
        if not plan.only_if_absent and key[1] in sessions
    }
    if not planned:
        return 0
    existing = set(
        Mark.objects.filter(pupil_id__in={k[0] for k in planned}, date=day).values_list(
            "pupil_id", "session"
        )
    )
    written = 0
    for (pupil_id, session), plan in planned.items():
        if (pupil_id, session) in existing:
            continue
        pupil = pupils[pupil_id]
        with transaction.atomic():
            register = register_for(pupil, day, session)
            mark = (
                Mark.objects.select_for_update()
                .filter(pupil=pupil, date=day, session=session)
                .first()
            )
            if mark:
                continue
            write_mark(
                pupil,
                day,
                session,
                plan.code,
                by=None,
                now=now,
                source=plan.source,
                reason=plan.note,
                register=register,
                note=plan.note,
                pending=plan.pending,
            )
            written += 1
    return written
