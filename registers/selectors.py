"""Reads for the register pages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q
from django.http import Http404

from attendance import codes
from attendance.models import AcademicYear, Pupil, RegistrationGroup, School, User
from attendance.school_calendar import SchoolCalendar
from attendance.selectors import current_academic_year, pupils_on_roll

from . import rules
from .models import LateArrival, Mark, MarkChange, Register
from .statistics import Figures, figures_by_pupil_weekly

# Marks on a register nobody took before it closed, until the office completes
# it: the N the close wrote says "not taken", not "absent", so nothing that acts
# on an absence (first-day calling, the head's queue) may act on it.
HELD_BACK = Q(held_back=True)


# What a register row shows of a pupil: 30 instances of every pupil field
# were a tenth of the page's time.
REGISTER_PUPIL_FIELDS = [
    "id",
    "school_id",
    "registration_group_id",
    "legal_first_name",
    "legal_middle_names",
    "legal_surname",
    "preferred_first_name",
    "preferred_surname",
]


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
    register = _register_with_taker(group, day, session)
    # A class of an earlier year: its pupils have moved up since, and the
    # register lists whoever it was taken for.
    members = Q(registration_group=group)
    if register is not None:
        # A subquery, not a join to marks: joined, every mark of every pupil
        # on roll was read and then made distinct (35 ms of a 60 ms page).
        # The register's date too, so only its year's partition is read.
        members |= Q(id__in=Mark.objects.filter(register=register, date=day).values("pupil_id"))
    pupils, marks = _pupils_and_marks(pupils_on_roll(school, day).filter(members), day, session)
    ids = [p.id for p in pupils]
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


# The register page is the one every teacher opens at 09:00: its reads are
# plain statements building the models with Model.from_db. The ORM's work
# to build a select_related query (RegistrationGroup with its year and
# school, a register with its taker) cost four times the queries themselves.


def columns_of(alias: str, model, names=None) -> tuple[list[str], str]:
    """A model's fields (all, or those in `names`) as from_db wants them,
    and the same columns as SQL under `alias`."""
    fields = [f for f in model._meta.concrete_fields if names is None or f.attname in names]
    quote = connection.ops.quote_name
    return [f.attname for f in fields], ", ".join(f"{alias}.{quote(str(f.column))}" for f in fields)


def register_group(group_id: int) -> RegistrationGroup:
    """The class with its academic year and school (404 if there is none)."""
    if not 0 < group_id < 2**63:  # not an id PostgreSQL could hold
        raise Http404("No such register")
    group_fields, group_sql = columns_of("g", RegistrationGroup)
    year_fields, year_sql = columns_of("y", AcademicYear)
    school_fields, school_sql = columns_of("s", School)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {group_sql}, {year_sql}, {school_sql}"
            f" FROM {RegistrationGroup._meta.db_table} g"
            f" JOIN {AcademicYear._meta.db_table} y ON y.id = g.academic_year_id"
            f" JOIN {School._meta.db_table} s ON s.id = y.school_id"
            " WHERE g.id = %s",
            [group_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise Http404("No such register")
    a, b = len(group_fields), len(group_fields) + len(year_fields)
    group = RegistrationGroup.from_db(connection.alias, group_fields, row[:a])
    year = AcademicYear.from_db(connection.alias, year_fields, row[a:b])
    year.school = School.from_db(connection.alias, school_fields, row[b:])
    group.academic_year = year
    return group


def _register_with_taker(group: RegistrationGroup, day: dt.date, session: str) -> Register | None:
    register_fields, register_sql = columns_of("r", Register)
    user_fields, user_sql = columns_of("u", User, {"id", "username", "first_name", "last_name"})
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {register_sql}, {user_sql} FROM {Register._meta.db_table} r"
            f" LEFT JOIN {User._meta.db_table} u ON u.id = r.taken_by_id"
            " WHERE r.group_id = %s AND r.date = %s AND r.session = %s",
            [group.id, day, session],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    split = len(register_fields)
    register = Register.from_db(connection.alias, register_fields, row[:split])
    if register.taken_by_id is not None:
        register.taken_by = User.from_db(connection.alias, user_fields, row[split:])
    register.group = group
    return register


def _pupils_and_marks(members, day: dt.date, session: str) -> tuple[list[Pupil], dict[int, Mark]]:
    """The pupils in `members` by name, with their marks for the session, in
    one query: the pupils (only the fields a row shows) joined to their marks.
    Two ORM queries of 30 rows were a third of the page's time."""
    pupil_fields = [
        f.attname for f in Pupil._meta.concrete_fields if f.attname in REGISTER_PUPIL_FIELDS
    ]
    mark_fields, mark_sql = columns_of("m", Mark)
    inner, params = members.values_list(*pupil_fields).order_by().query.sql_with_params()
    sql = (
        f"SELECT p.*, {mark_sql}"
        f" FROM ({inner}) AS p LEFT JOIN {Mark._meta.db_table} m"
        " ON m.pupil_id = p.id AND m.date = %s AND m.session = %s"
        " ORDER BY p.legal_surname, p.legal_first_name, p.id"
    )
    pupils, marks = [], {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, day, session])
        split = len(pupil_fields)
        for row in cursor.fetchall():
            pupil = Pupil.from_db(connection.alias, pupil_fields, row[:split])
            pupils.append(pupil)
            if row[split] is not None:
                marks[pupil.id] = Mark.from_db(connection.alias, mark_fields, row[split:])
    return pupils, marks


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
