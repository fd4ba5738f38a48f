"""A realistic autumn term of marks for the demo school.

Most pupils attend 95%+; some are persistently absent; a few take an
unauthorised holiday before half-term; an illness goes round the infants in
October; some families are habitually late. Absences were first marked N by
the teacher and then amended by the office when the parent rang, as happens
in a real school, so the history pages have something to show.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import connection, transaction

from attendance.demo_plan import DemoPlan
from attendance.models import AcademicYear, Pupil, School, User
from attendance.roles import Role
from attendance.rollover import YEAR_ORDER
from attendance.school_calendar import SchoolCalendar

from . import rules
from .bulk import copy_rows, reserve_mark_ids
from .models import LateArrival, Mark, MarkChange, Register
from .services import position_of

VISIT_CLASS = "Cedar"
REASONS = {
    "I": "Parent phoned: unwell",
    "M": "Appointment card seen: dentist",
    "O": "No reason given after calls and a letter",
    "C": "Leave granted by the head: family funeral",
    "R": "Religious observance (Diwali)",
    "G": "Holiday taken without leave (request refused)",
}


def _profile(upn: str) -> tuple[float, float]:
    """(chance of an absence starting on a day, chance of arriving late).

    Seeded by the pupil, so a child keeps their habits from last year's
    marks to this year's.
    """
    rng = random.Random(f"profile-{upn}")
    band = rng.random()
    if band < 0.70:
        absence = rng.uniform(0.004, 0.012)
    elif band < 0.88:
        absence = rng.uniform(0.015, 0.03)
    elif band < 0.97:
        absence = rng.uniform(0.04, 0.08)
    else:
        absence = rng.uniform(0.15, 0.3)
    late = rng.uniform(0.08, 0.2) if rng.random() < 0.06 else 0.01
    return absence, late


@transaction.atomic
def seed_history(
    school: School, rng: random.Random, plan: DemoPlan, *, last_year: bool = False
) -> int:
    """Marks for the plan's history: last year's summer term (`last_year`), or
    this year from its first day to the last school day before today.

    Today's registers whose time has come are taken by the teachers but left
    open, with today's absentees still N, so the close and first-day calling
    have a real morning to work on.
    """
    now, today = plan.now, plan.today
    calendar = SchoolCalendar(school)
    span = plan.previous_history if last_year else plan.history
    sessions = calendar.sessions(*span) if span else []
    if not last_year:
        sessions += [s for s in calendar.sessions(today, today) if s.session in plan.today_sessions]
    if not sessions:
        return 0
    year = AcademicYear.objects.get(
        school=school, name=(plan.previous if last_year else plan.current).name
    )
    office = User.objects.filter(school=school, groups__name=Role.OFFICE.value).first()
    groups = list(year.registration_groups.prefetch_related("teachers"))
    teachers = {g.id: g.teachers.first() for g in groups}
    registers = {}
    for group in groups:
        for s in sessions:
            opens, closes = rules.register_times(school, s.session)
            taken_at = rules.at(school, s.date, opens) + dt.timedelta(minutes=rng.randrange(1, 8))
            registers[group.id, s.date, s.session] = Register(
                group=group,
                date=s.date,
                session=s.session,
                taken_by=teachers[group.id],
                taken_at=min(taken_at, now),
                # Today's stay open for the close job, as in a real school.
                closed_at=None if s.date == today else rules.at(school, s.date, closes),
            )
    Register.objects.bulk_create(registers.values(), batch_size=2000)
    holiday_days = set(plan.holiday_week)
    illness_days = set(plan.illness_week)
    top_year = max((g.year_group for g in groups), key=YEAR_ORDER.index)

    marks: list[tuple] = []
    changes: list[list[dict]] = []
    lates: list[tuple[int, dt.datetime, str]] = []
    pupils = Pupil.objects.filter(school=school, registration_group__in=groups).select_related(
        "registration_group"
    )
    for pupil in pupils.order_by("upn"):
        group = pupil.registration_group
        teacher = teachers[group.id]
        absence_chance, late_chance = _profile(pupil.upn)
        # Leavers take no holiday in their last weeks: their case would go nowhere.
        holiday = rng.random() < 0.03 and not (last_year and pupil.year_group == top_year)
        infant = pupil.year_group in ("N", "R", "1")
        absent_until: dt.date | None = None
        absent_code = "I"
        for s in sessions:
            if not pupil.on_roll(s.date):
                continue
            register = registers[group.id, s.date, s.session]
            opens = rules.register_times(school, s.session)[0]
            code, minutes, history = rules.present_code(s.session), None, []
            teacher_at = register.taken_at
            if s.session == "AM" and (absent_until is None or s.date > absent_until):
                absent_until = None
                if holiday and s.date in holiday_days:
                    absent_until, absent_code = plan.holiday_week[-1], "G"
                elif infant and s.date in illness_days and rng.random() < 0.06:
                    absent_until, absent_code = s.date + dt.timedelta(days=rng.randrange(1, 3)), "I"
                elif rng.random() < absence_chance:
                    absent_code = rng.choices("IMOCR", weights=[80, 8, 8, 2, 2])[0]
                    length = rng.randrange(1, 4) if absent_code == "I" else 1
                    absent_until = s.date + dt.timedelta(days=length - 1)
            if absent_until is not None and s.date <= absent_until:
                if absent_code == "M" and s.session == "PM":
                    pass  # back after the appointment
                elif s.date == today:
                    code = "N"  # nobody has rung yet: first-day calling's work
                    history = [
                        {"code": "N", "at": teacher_at, "by": teacher, "reason": "First entry"}
                    ]
                else:
                    code = absent_code
                    history = [
                        {"code": "N", "at": teacher_at, "by": teacher, "reason": "First entry"},
                        {
                            "code": code,
                            "at": teacher_at + dt.timedelta(hours=1, minutes=rng.randrange(0, 90)),
                            "by": office,
                            "reason": REASONS[code],
                        },
                    ]
            elif s.date == plan.visit_day and group.name == VISIT_CLASS:
                code = "V"
            elif rng.random() < late_chance and s.date < today:
                minutes = rng.choice([3, 5, 8, 10, 12, 15, 18] * 5 + [25, 35, 50])
                arrived = rules.at(school, s.date, opens) + dt.timedelta(minutes=minutes)
                code, minutes = rules.arrival_code(school, s.session, arrived)
                history = [
                    {"code": "N", "at": teacher_at, "by": teacher, "reason": "First entry"},
                    {
                        "code": code,
                        "at": arrived,
                        "by": office,
                        "reason": f"Signed in late at {arrived.astimezone(school.tz):%H:%M}",
                        "minutes": minutes,
                    },
                ]
                lates.append((len(marks), arrived, rng.choice(["Traffic", "Overslept", ""])))
            if not history:
                history = [{"code": code, "at": teacher_at, "by": teacher, "reason": "First entry"}]
            last = history[-1]
            marks.append(
                (
                    pupil.id,
                    s.date,
                    s.session,
                    register.id,
                    code,
                    minutes,
                    last["reason"] if len(history) > 1 else "",
                    Mark.Source.REGISTER if len(history) == 1 else Mark.Source.OFFICE,
                    last["by"].id if last["by"] else None,
                    last["at"],
                    len(history),
                )
            )
            changes.append(history)

    # COPY, not the ORM: an autumn term is ~45,000 marks and their history.
    ids = reserve_mark_ids(len(marks))
    copy_rows(
        Mark,
        [
            "id",
            "pupil_id",
            "date",
            "session",
            "register_id",
            "code",
            "minutes_late",
            "note",
            "source",
            "entered_by_id",
            "entered_at",
            "version",
        ],
        ((mark_id, *row) for mark_id, row in zip(ids, marks, strict=True)),
    )
    # Each member of staff's name and position, once, not per history row.
    who = {None: ("Rollcall", position_of(None))}
    for user in User.objects.filter(school=school):
        who[user.id] = (user.display_name(), position_of(user))
    rows = []
    for mark_id, history in zip(ids, changes, strict=True):
        previous = None
        for step in history:
            by = step["by"]
            rows.append(
                (
                    mark_id,
                    previous["code"] if previous else "",
                    step["code"],
                    previous.get("minutes") if previous else None,
                    step.get("minutes"),
                    step["reason"],
                    Mark.Source.REGISTER if previous is None else Mark.Source.OFFICE,
                    by.id if by else None,
                    *who[by.id if by else None],
                    step["at"],
                )
            )
            previous = step
    copy_rows(
        MarkChange,
        [
            "mark_id",
            "old_code",
            "new_code",
            "old_minutes_late",
            "new_minutes_late",
            "reason",
            "source",
            "changed_by_id",
            "changed_by_name",
            "changed_by_position",
            "changed_at",
        ],
        rows,
    )
    copy_rows(
        LateArrival,
        [
            "pupil_id",
            "mark_id",
            "arrived_at",
            "reason",
            "brought_by",
            "recorded_by_id",
            "recorded_at",
        ],
        (
            (
                marks[i][0],
                ids[i],
                arrived,
                reason,
                rng.choice(["Mum", "Dad", "Grandma", ""]),
                office.id,
                arrived,
            )
            for i, arrived, reason in lates
        ),
    )
    with connection.cursor() as cursor:
        # Fresh planner statistics: without them the first pages after a bulk
        # load choose the date index over the pupil one.
        cursor.execute("ANALYZE registers_mark, registers_markchange, registers_register")
    return len(marks)


def seed_last_year_hook(school: School, rng: random.Random, plan: DemoPlan) -> str | None:
    if plan.previous_history is None:
        return None
    count = seed_history(school, rng, plan, last_year=True)
    first, last = plan.previous_history
    return (
        f"Marks for {plan.previous.name}'s summer term ({first:%d %b} to {last:%d %b %Y}): {count}"
    )


def seed_history_hook(school: School, rng: random.Random, plan: DemoPlan) -> str | None:
    count = seed_history(school, rng, plan)
    until = plan.history[1] if plan.history else None
    told = f" to {until:%a %d %b %Y}" if until else ""
    if plan.today_sessions:
        told += f" and today's {' and '.join(plan.today_sessions)} registers, still open"
    return f"Marks for {plan.current.name}{told}: {count}"
