"""Closing registers: what an unmarked pupil gets when the register closes."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from attendance import codes
from attendance.models import RegistrationGroup, School
from attendance.selectors import pupils_on_roll

from .. import rules
from ..models import Mark, Register
from .marks import write_mark


@transaction.atomic
def close_register(register: Register, now: dt.datetime) -> int:
    """Close one register: pupils still unmarked get N (no reason yet).

    Where the school already knows why a pupil is away (a parent's report,
    granted leave, a part-time timetable, leave refused) the pupil gets that
    code instead, and a teacher's N is replaced by it. A register nobody
    took gets N held back ("register not taken") until the office completes
    it, and leave refused is not applied to it, since nobody knows yet who
    is absent. N is what first-day calling acts on. Closing twice changes
    nothing. Returns the number of marks written.
    """
    from ..hooks import planned_marks

    register = (
        Register.objects.select_for_update()
        .select_related("group__academic_year__school")
        .get(pk=register.pk)
    )
    if register.closed_at:
        return 0
    school = register.group.academic_year.school
    pupils = list(pupils_on_roll(school, register.date).filter(registration_group=register.group))
    marks = {
        m.pupil_id: m
        for m in Mark.objects.select_for_update().filter(
            pupil__in=pupils, date=register.date, session=register.session
        )
    }
    planned = planned_marks(school, register.date, [p.id for p in pupils])
    untaken = register.taken_at is None
    written = 0
    for pupil in pupils:
        mark = marks.get(pupil.id)
        plan = planned.get((pupil.id, register.session))
        if untaken and plan and plan.only_if_absent:
            plan = None  # nobody knows yet whether the pupil is absent
        if mark is not None and not (plan and mark.code == codes.NO_REASON_YET):
            continue
        if plan:
            code, source, reason = plan.code, plan.source, plan.note
        elif untaken:
            code, source, reason = (
                codes.NO_REASON_YET,
                Mark.Source.CLOSE,
                "Register not taken by the close: held back until the office completes it",
            )
        else:
            code, source, reason = (
                codes.NO_REASON_YET,
                Mark.Source.CLOSE,
                "Unmarked when the register closed",
            )
        write_mark(
            pupil,
            register.date,
            register.session,
            code,
            by=None,
            now=now,
            source=source,
            reason=reason,
            register=register,
            note=plan.note if plan else "",
            mark=mark,
            pending=bool(plan and plan.pending),
            held_back=untaken and not plan,
        )
        written += 1
    register.closed_at = now
    register.not_taken_at_close = register.taken_at is None
    register.save(update_fields=["closed_at", "not_taken_at_close"])
    return written


def close_due_registers(school: School, now: dt.datetime) -> int:
    """Close every register of `school` whose close time has passed today.

    Run every few minutes by Celery beat; idempotent. Returns the number of
    marks written.
    """
    from attendance.school_calendar import SchoolCalendar
    from attendance.selectors import current_academic_year

    local = now.astimezone(school.tz)
    today = local.date()
    sessions = [
        s
        for s in SchoolCalendar(school).sessions_on(today)
        if now >= rules.closes_at(school, today, s)
    ]
    if not sessions:
        return 0
    year = current_academic_year(school, today)
    written = 0
    for group in RegistrationGroup.objects.filter(academic_year=year):
        for session in sessions:
            register, _ = Register.objects.get_or_create(group=group, date=today, session=session)
            if register.closed_at is None:
                written += close_register(register, now)
    return written
