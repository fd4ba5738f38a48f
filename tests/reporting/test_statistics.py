"""The cohort statistics against figures worked out by hand (DfE method)."""

import datetime as dt

import pytest
from django.utils import timezone

from registers.models import Mark
from reporting.cohorts import cohort_figures
from tests import factories
from tests.factories import PupilFactory

pytestmark = pytest.mark.django_db
MON = dt.date(2026, 11, 2)


def marks(pupil, codes_by_day):
    rows = []
    for offset, (am, pm) in enumerate(codes_by_day):
        day = MON + dt.timedelta(days=offset)
        rows += [
            Mark(pupil=pupil, date=day, session="AM", code=am, entered_at=timezone.now()),
            Mark(pupil=pupil, date=day, session="PM", code=pm, entered_at=timezone.now()),
        ]
    factories.bulk_create_marks(rows)


def test_not_possible_sessions_and_pupils_joining_midweek(cast):
    # Poppy: 10 sessions, of which D, X, Y4 and # are not possible: 6 possible,
    # 4 present/approved (/ \\ V L), 1 authorised (I), 1 unauthorised (O).
    marks(cast.poppy, [("/", "\\"), ("D", "X"), ("Y4", "#"), ("V", "L"), ("I", "O")])
    # Sam joined on Thursday: 4 possible, 2 absent (G, U) -> persistently and severely absent.
    marks(cast.sam, [("/", "G"), ("U", "\\")][:2])
    joiner = PupilFactory(school=cast.school, admission_date=MON + dt.timedelta(days=3))
    factories.bulk_create_marks(
        [
            Mark(
                pupil=joiner,
                date=MON + dt.timedelta(days=3),
                session=s,
                code=c,
                entered_at=timezone.now(),
            )
            for s, c in [("AM", "/"), ("PM", "\\")]
        ]
    )
    figures = cohort_figures(cast.school.id, MON, MON + dt.timedelta(days=4))["all"]
    assert (figures.pupils, figures.possible, figures.attending) == (3, 6 + 4 + 2, 4 + 2 + 2)
    assert (figures.authorised, figures.unauthorised, figures.late, figures.late_after_close) == (
        1,
        3,
        1,
        1,
    )
    assert figures.attendance_rate == round(100 * 8 / 12, 1)
    # Poppy 2/6 = 33% absent, Sam 2/4 = 50%: both persistent, Sam severe.
    assert (figures.persistent, figures.severe) == (2, 1)
    assert figures.persistent_rate == round(100 * 2 / 3, 1)


def test_split_by_class_and_restricted_to_some_pupils(cast):
    marks(cast.poppy, [("/", "\\")])
    marks(cast.sam, [("O", "O")])
    by_class = cohort_figures(cast.school.id, MON, MON, by="registration_group")
    assert by_class[str(cast.hawthorn.id)].attendance_rate == 100.0
    assert by_class[str(cast.rowan.id)].attendance_rate == 0.0
    only_sam = cohort_figures(cast.school.id, MON, MON, pupil_ids=[cast.sam.id])["all"]
    assert only_sam.pupils == 1


def test_a_pupil_with_no_possible_session_is_not_counted(cast):
    marks(cast.poppy, [("D", "D")])
    assert cohort_figures(cast.school.id, MON, MON) == {}


def test_a_week_with_only_a_handful_of_pupils_marked_is_left_out_of_the_trend(cast):
    from reporting.cohorts import cohort_figures_all

    # Monday 2 Nov: Poppy and Sam only (a small class's register so far).
    # Monday 9 Nov: five more pupils too.
    from tests.factories import PupilFactory

    others = [PupilFactory(school=cast.school) for _ in range(4)]
    marks = [
        Mark(pupil=p, date=day, session="AM", code="/", entered_at=timezone.now())
        for p, day in [(cast.poppy, dt.date(2026, 11, 2)), (cast.sam, dt.date(2026, 11, 2))]
        + [(p, dt.date(2026, 11, 9)) for p in [cast.poppy, cast.sam, *others]]
    ]
    factories.bulk_create_marks(marks)
    weekly = cohort_figures_all(cast.school.id, dt.date(2026, 11, 2), dt.date(2026, 11, 13))[
        "weekly"
    ]
    assert weekly == [(dt.date(2026, 11, 9), 100.0)]
