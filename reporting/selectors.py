"""Reads for the head's views."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q

from attendance import codes
from attendance.models import RegistrationGroup, School
from attendance.school_calendar import SchoolCalendar
from attendance.selectors import current_academic_year, pupils_on_roll
from registers.models import Mark
from registers.selectors import todays_registers
from registers.statistics import figures_by_pupil

from . import health
from .cohorts import cohort_figures


def today_view(school: School, now: dt.datetime) -> dict:
    from absences.models import ContactAttempt
    from penalties.selectors import open_cases

    today, statuses = todays_registers(school, now)
    present = codes.codes_in(codes.Category.PRESENT, codes.Category.APPROVED_ACTIVITY)
    absent = codes.codes_in(codes.Category.AUTHORISED, codes.Category.UNAUTHORISED)
    counts = Mark.objects.filter(pupil__school=school, date=today, session="AM").aggregate(
        # counted_code: a held-back N (register not taken) is no absence, a
        # pending report counts as unexplained until the head decides.
        present=Count("id", filter=Q(counted_code__in=present)),
        absent=Count("id", filter=Q(counted_code__in=absent)),
        late=Count("id", filter=Q(counted_code__in=[codes.LATE, codes.LATE_AFTER_CLOSE])),
        unexplained=Count("id", filter=Q(counted_code=codes.NO_REASON_YET)),
        held_back=Count("id", filter=Q(held_back=True)),
    )
    calling = dict(
        ContactAttempt.objects.filter(pupil__school=school, date=today)
        .values_list("status")
        .annotate(n=Count("id"))
    )
    cases = open_cases(school, today)
    monday = today - dt.timedelta(days=today.weekday())
    week = cohort_figures(school.id, monday, today, by="registration_group")
    names = dict(
        RegistrationGroup.objects.filter(id__in=[int(k) for k in week if k.isdigit()]).values_list(
            "id", "name"
        )
    )
    by_class = sorted(
        ((names.get(int(k), "?"), f) for k, f in week.items() if k.isdigit()),
        key=lambda r: r[1].attendance_rate or 0,
    )
    year = current_academic_year(school, today)
    severe = []
    if year:
        pupils = pupils_on_roll(school, today).select_related("registration_group")
        figures = figures_by_pupil([p.id for p in pupils], year.start_date, today)
        severe = [
            (p, figures[p.id]) for p in pupils if p.id in figures and figures[p.id].severely_absent
        ]
    sessions = list(dict.fromkeys(s.session for s in statuses))
    grid: dict = {}
    for status in statuses:
        grid.setdefault(status.group, {})[status.session] = status
    dated = sorted(
        (c for c in cases if c.next_deadline), key=lambda c: c.next_deadline or dt.date.max
    )
    return {
        "sessions": sessions,
        "register_grid": [
            (group, [cells.get(session) for session in sessions]) for group, cells in grid.items()
        ],
        "next_deadlines": dated[:10],
        "week_by_class": by_class,
        "target": float(school.attendance_target),
        "severe": severe,
        "today": today,
        "day_note": SchoolCalendar(school).day_note(today),
        "now": now,
        "registers_taken": sum(1 for s in statuses if s.register and s.register.taken_at),
        "registers_total": len(statuses),
        "counts": counts,
        "calling": calling,
        "cases": cases,
        "overdue": [c for c in cases if c.overdue(today)],
        # The register close or first-day calling that should have run and has not.
        "jobs_not_run": health.overdue(school, now),
    }
