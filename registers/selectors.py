"""Reads for the register pages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q

from attendance import codes
from attendance.models import Pupil, RegistrationGroup, School, User
from attendance.school_calendar import SchoolCalendar
from attendance.selectors import current_academic_year, pupils_on_roll

from . import rules
from .models import LateArrival, Mark, MarkChange, Register
from .statistics import Figures, figures_by_pupil_weekly

# Marks on a register nobody took before it closed, until the office completes
# it: the N the close wrote says "not taken", not "absent", so nothing that acts
# on an absence (first-day calling, the head's queue) may act on it.
HELD_BACK = Q(held_back=True)


@dataclass
class RegisterRow:
    pupil: Pupil
    mark: Mark | None
    figures: Figures

    @property
    def locked_for_teacher(self) -> bool:
        """An office or absence entry the teacher sees but cannot change."""
        return bool(self.mark and not codes.get(self.mark.code).teacher_may_enter)


@dataclass
class RegisterSheet:
    group: RegistrationGroup
    date: dt.date
    session: str
    register: Register | None
    rows: list[RegisterRow]
    closed_for_teachers: bool

    @property
    def unmarked(self) -> int:
        return sum(1 for r in self.rows if r.mark is None)

    @property
    def held_back(self) -> int:
        """Pupils whose N says only that nobody took the register, until the office completes it."""
        return sum(1 for r in self.rows if r.mark and r.mark.held_back)


def register_sheet(
    group: RegistrationGroup, day: dt.date, session: str, now: dt.datetime
) -> RegisterSheet:
    """Everything the register page shows, in a fixed number of queries."""
    school = group.academic_year.school
    register = Register.objects.filter(group=group, date=day, session=session).first()
    # A class of an earlier year: its pupils have moved up since, and the
    # register lists whoever it was taken for.
    members = Q(registration_group=group)
    if register is not None:
        # A subquery, not a join to marks: joined, every mark of every pupil
        # on roll was read and then made distinct (35 ms of a 60 ms page).
        # The register's date too, so only its year's partition is read.
        members |= Q(id__in=Mark.objects.filter(register=register, date=day).values("pupil_id"))
    pupils = list(
        pupils_on_roll(school, day).filter(members).order_by("legal_surname", "legal_first_name")
    )
    ids = [p.id for p in pupils]
    marks = {
        m.pupil_id: m
        for m in Mark.objects.filter(pupil_id__in=ids, date=day, session=session).select_related(
            "entered_by"
        )
    }
    year = group.academic_year
    figures = figures_by_pupil_weekly(ids, year.start_date, day - dt.timedelta(days=1))
    closed = bool(register and register.closed_at) or rules.is_closed_for_teachers(
        school, day, session, now
    )
    return RegisterSheet(
        group=group,
        date=day,
        session=session,
        register=register,
        rows=[RegisterRow(p, marks.get(p.id), figures.get(p.id, Figures())) for p in pupils],
        closed_for_teachers=closed,
    )


@dataclass
class RegisterStatus:
    group: RegistrationGroup
    session: str
    register: Register | None
    closed: bool

    @property
    def state(self) -> str:
        if self.closed:
            return "closed"
        return "taken" if self.register and self.register.taken_at else "not taken"


def todays_registers(
    school: School, now: dt.datetime, teacher: User | None = None
) -> tuple[dt.date, list[RegisterStatus]]:
    """Today's sessions for the teacher's classes (or every class), with their state."""
    today = now.astimezone(school.tz).date()
    sessions = SchoolCalendar(school).sessions_on(today)
    year = current_academic_year(school, today)
    taught = RegistrationGroup.objects.filter(academic_year=year).order_by("name")
    if teacher is not None:
        taught = taught.filter(teachers=teacher)
    groups = list(taught)
    registers = {
        (r.group_id, r.session): r
        for r in Register.objects.filter(group__in=groups, date=today).select_related("taken_by")
    }
    statuses = []
    for session in sessions:
        closes = rules.closes_at(school, today, session)
        for group in groups:
            register = registers.get((group.id, session))
            closed = bool(register and register.closed_at) or now >= closes
            statuses.append(RegisterStatus(group, session, register, closed))
    return today, statuses


def late_arrivals_on(school: School, day: dt.date):
    return (
        LateArrival.objects.filter(pupil__school=school, mark__date=day)
        .select_related("pupil__registration_group", "mark", "recorded_by")
        .order_by("-arrived_at")
    )


def mark_history(pupil: Pupil, day: dt.date, session: str):
    return MarkChange.objects.filter(
        mark__pupil=pupil, mark__date=day, mark__session=session
    ).order_by("changed_at", "id")


@dataclass
class WeekRow:
    monday: dt.date
    cells: list[tuple[dt.date, str, Mark | None, bool]]  # date, session, mark, school session


def year_grid(pupil: Pupil, year, today: dt.date) -> list[WeekRow]:
    """The pupil's marks for the academic year, a row per school week."""
    calendar = SchoolCalendar(pupil.school)
    marks = {
        (m.date, m.session): m
        for m in Mark.objects.filter(
            pupil=pupil, date__gte=year.start_date, date__lte=year.end_date
        )
    }
    rows = []
    for monday in calendar.school_weeks(year.start_date, min(year.end_date, today)):
        cells = []
        for offset in range(5):
            day = monday + dt.timedelta(days=offset)
            open_sessions = calendar.sessions_on(day)
            for session in ("AM", "PM"):
                cells.append((day, session, marks.get((day, session)), session in open_sessions))
        rows.append(WeekRow(monday, cells))
    return rows


def early_departures_on(school: School, day: dt.date):
    from .models import EarlyDeparture

    start = dt.datetime.combine(day, dt.time.min, tzinfo=school.tz)
    return (
        EarlyDeparture.objects.filter(
            pupil__school=school, left_at__gte=start, left_at__lt=start + dt.timedelta(days=1)
        )
        .select_related("pupil__registration_group", "recorded_by")
        .order_by("-left_at")
    )
