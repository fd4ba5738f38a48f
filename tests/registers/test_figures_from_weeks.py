"""The register's year to date comes from the weekly summary: it must give
the figures the marks give, for any range, whole weeks or not."""

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from registers.models import Mark
from registers.statistics import Figures, figures_by_pupil, figures_by_pupil_weekly
from tests import factories

pytestmark = pytest.mark.django_db
CODES = ["/", "\\", "L", "U", "I", "M", "O", "G", "N", "C", "X", "B", "/", "/"]


def weekdays(first: dt.date, last: dt.date):
    day = first
    while day <= last:
        if day.weekday() < 5:
            yield day
        day += dt.timedelta(days=1)


def test_the_weekly_summary_gives_the_figures_the_marks_give(cast):
    codes = itertools.cycle(CODES)
    marks = [
        Mark(
            pupil=pupil,
            date=day,
            session=session,
            code=next(codes),
            entered_at=timezone.now(),
            pending=(day.day % 7 == 0 and session == "PM"),
        )
        for pupil in (cast.poppy, cast.sam)
        for day in weekdays(dt.date(2026, 11, 2), dt.date(2026, 12, 11))
        for session in ("AM", "PM")
    ]
    factories.bulk_create_marks(marks)
    ids = [cast.poppy.id, cast.sam.id]
    starts = [dt.date(2026, 11, 2), dt.date(2026, 11, 4), dt.date(2026, 11, 8)]
    ends = [
        dt.date(2026, 11, 6),
        dt.date(2026, 11, 18),
        dt.date(2026, 12, 4),
        dt.date(2026, 12, 10),
    ]
    for start, end in [
        *itertools.product(starts, ends),
        (dt.date(2026, 11, 3), dt.date(2026, 11, 5)),
    ]:
        exact = figures_by_pupil(ids, start, end)
        weekly = figures_by_pupil_weekly(ids, start, end)
        for pupil_id in ids:
            want = exact.get(pupil_id, Figures())
            got = weekly.get(pupil_id, Figures())
            assert got == Figures(**{**want.__dict__, "unexplained": 0}), (start, end)
    assert (
        figures_by_pupil_weekly(ids, dt.date(2026, 11, 2), dt.date(2026, 12, 11))[
            cast.poppy.id
        ].possible
        > 50
    )
