"""Celebrating good attendance: the class of the week, 100% attendance, most improved."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from attendance.models import Pupil, RegistrationGroup, School
from attendance.selectors import pupils_on_roll
from registers.statistics import Figures, figures_by_pupil

from .cohorts import cohort_figures
from .suppression import SUPPRESS_BELOW


@dataclass
class ClassOfTheWeek:
    group: RegistrationGroup
    attendance_rate: float
    week_start: dt.date
    week_end: dt.date


# A class of the week is a class, not a handful of pupils in a small group.
SMALLEST_CLASS = SUPPRESS_BELOW
# "Most improved" compares half-terms with enough sessions in each to mean it.
FEWEST_SESSIONS = 20


def class_of_the_week(school: School, monday: dt.date) -> ClassOfTheWeek | None:
    friday = monday + dt.timedelta(days=4)
    by_class = cohort_figures(school.id, monday, friday, by="registration_group")
    ranked = sorted(
        (
            (k, f)
            for k, f in by_class.items()
            if k.isdigit() and f.possible and f.pupils >= SMALLEST_CLASS
        ),
        key=lambda kv: (-(kv[1].attendance_rate or 0), -kv[1].pupils),
    )
    if not ranked:
        return None
    key, figures = ranked[0]
    return ClassOfTheWeek(
        RegistrationGroup.objects.get(pk=int(key)), figures.attendance_rate, monday, friday
    )


def full_attendance(school: School, start: dt.date, end: dt.date) -> list[tuple[Pupil, Figures]]:
    """Pupils on roll for the whole period and present (or at an approved
    activity) for every possible session of it: someone who joined last week
    has not earned a certificate for the term."""
    pupils = {
        p.id: p
        for p in pupils_on_roll(school, end)
        .filter(admission_date__lte=start)
        .select_related("registration_group")
    }
    figures = figures_by_pupil(pupils, start, end)
    return sorted(
        ((pupils[i], f) for i, f in figures.items() if f.possible and f.attending == f.possible),
        key=lambda r: (str(r[0].registration_group), r[0].surname),
    )


def most_improved(
    school: School,
    before: tuple[dt.date, dt.date],
    after: tuple[dt.date, dt.date],
    at_least: float = 5.0,
) -> list[tuple[Pupil, float, float]]:
    """Pupils whose attendance rose by `at_least` points from one period to the next."""
    pupils = {
        p.id: p for p in pupils_on_roll(school, after[1]).select_related("registration_group")
    }
    then = figures_by_pupil(pupils, *before)
    now = figures_by_pupil(pupils, *after)
    rows = []
    for pupil_id, f in now.items():
        old = then.get(pupil_id)
        if (
            old
            and old.possible >= FEWEST_SESSIONS
            and f.possible >= FEWEST_SESSIONS
            and old.attendance_rate is not None
            and f.attendance_rate is not None
            and f.attendance_rate - old.attendance_rate >= at_least
        ):
            rows.append((pupils[pupil_id], old.attendance_rate, f.attendance_rate))
    return sorted(rows, key=lambda r: r[1] - r[2])
