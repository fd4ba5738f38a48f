"""The weekly summary the triggers keep must always agree with the marks."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from registers.models import Mark
from registers.services import (
    Entry,
    amend_mark,
    close_due_registers,
    sign_in_late,
    take_register,
    write_mark,
)
from reporting.cohorts import DIMENSIONS, cohort_figures, cohort_figures_all
from tests import factories
from tests.registers.conftest import london

pytestmark = pytest.mark.django_db
D = dt.date


FROM_MARKS = """
    SELECT pupil_id, date - (extract(isodow FROM date)::int - 1),
           count(*) FILTER (WHERE registers_code_category(counted_code) <> 'X'),
           count(*) FILTER (WHERE registers_code_category(counted_code) = 'P'),
           count(*) FILTER (WHERE registers_code_category(counted_code) = 'A'),
           count(*) FILTER (WHERE registers_code_category(counted_code) = 'U'),
           count(*) FILTER (WHERE counted_code = 'L'), count(*) FILTER (WHERE counted_code = 'U')
    FROM registers_mark GROUP BY 1, 2
"""
FROM_SUMMARY = """
    SELECT pupil_id, monday, possible, attending, authorised, unauthorised, late, late_after_close
    FROM registers_pupilweek
"""


def summary_matches_marks() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            f"({FROM_MARKS} EXCEPT {FROM_SUMMARY}) UNION ALL ({FROM_SUMMARY} EXCEPT {FROM_MARKS})"
        )
        return cursor.fetchall() == []


def test_every_way_of_writing_a_mark_keeps_the_summary_true(cast):
    day = D(2026, 11, 26)
    take_register(
        cast.hawthorn,
        day,
        "AM",
        [Entry(cast.poppy.id, "N", 0)],
        by=cast.alice,
        now=london(9, 5),
        as_teacher=True,
    )
    sign_in_late(cast.poppy, london(9, 12), by=cast.olive, now=london(9, 12))  # N -> L (update)
    close_due_registers(cast.school, london(13, 40))  # inserts N for everyone else
    # Rowan never took its registers: Sam's N is held back, in no column...
    assert Mark.objects.get(pupil=cast.sam, date=day, session="AM").held_back
    assert summary_matches_marks()
    # ...until a report says why (pending: counted as N), then the head decides.
    mark = Mark.objects.get(pupil=cast.sam, date=day, session="PM")
    mark = write_mark(
        cast.sam,
        day,
        "PM",
        "M",
        by=cast.olive,
        now=london(14),
        source="absence",
        reason="Dentist, Dad rang",
        mark=mark,
        pending=True,
    )
    mark.refresh_from_db()
    assert mark.counted_code == "N"
    write_mark(
        cast.sam,
        day,
        "PM",
        "M",
        by=cast.helen,
        now=london(14, 5),
        source="absence",
        reason="Authorised",
        mark=mark,
    )
    amend_mark(cast.sam, day, "AM", "I", by=cast.helen, now=london(14), reason="Mum rang")
    factories.bulk_create_marks(
        [
            Mark(
                pupil=cast.poppy,
                date=D(2026, 11, 2) + dt.timedelta(days=i),
                session="AM",
                code="O",
                entered_at=timezone.now(),
            )
            for i in range(5)
        ]
    )
    factories.recode_marks(Mark.objects.filter(pupil=cast.poppy, code="O"), "I")
    assert summary_matches_marks()
    for start, end in [
        (D(2026, 11, 4), D(2026, 11, 26)),
        (D(2026, 11, 2), D(2026, 11, 29)),
        (D(2026, 11, 25), D(2026, 11, 26)),
    ]:
        exact = cohort_figures(cast.school.id, start, end)
        fast = cohort_figures_all(cast.school.id, start, end)["school"]
        assert fast == exact, (start, end)
    by_class = cohort_figures_all(cast.school.id, D(2026, 11, 1), D(2026, 11, 30))
    assert set(by_class) == set(DIMENSIONS) | {"weekly"}
