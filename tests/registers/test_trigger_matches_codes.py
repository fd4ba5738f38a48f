"""The weekly summary's triggers copy each code's category into SQL
(registers_code_category, migration 0005; counted_code, migrations 0011-0012):
for every code in attendance/codes.py, the counters the database keeps must
be the ones the code table says, so a change in the law made in one place and
not the other fails here, naming the code."""

import datetime as dt

import pytest

from attendance import codes
from registers.models import Mark, PupilWeek
from tests.factories import MarkFactory, PupilFactory, recode_marks

MONDAY = dt.date(2026, 9, 7)
# A code that is no possible session, so a mark recoded from it moves the
# counters by exactly the new code's figures.
COUNTS_NOWHERE = "#"


def expected(code: codes.AttendanceCode) -> dict[str, int]:
    """One session of `code` as codes.py counts it."""
    return {
        "possible": int(code.is_possible_session),
        "attending": int(code.counts_as_attending),
        "authorised": int(code.category is codes.Category.AUTHORISED),
        "unauthorised": int(code.category is codes.Category.UNAUTHORISED),
        "late": int(code.code == codes.LATE),
        "late_after_close": int(code.code == codes.LATE_AFTER_CLOSE),
    }


def counters(mark: Mark) -> dict[str, int]:
    monday = mark.date - dt.timedelta(days=mark.date.weekday())
    week = PupilWeek.objects.filter(pupil=mark.pupil, monday=monday)
    return week.values(*expected(codes.get("/"))).get()


def recorded_on(code: codes.AttendanceCode) -> dt.date:
    """A day the code may be on the register: a withdrawn code's last term."""
    if code.in_use:
        return MONDAY
    day = code.withdrawn_on - dt.timedelta(days=30)
    return day - dt.timedelta(days=day.weekday())


@pytest.mark.django_db
@pytest.mark.parametrize("code", list(codes.CODES.values()), ids=lambda c: c.code)
def test_a_mark_written_counts_as_its_code_says(code):
    mark = MarkFactory(pupil=PupilFactory(), date=recorded_on(code), code=code.code)
    mark.refresh_from_db()
    assert mark.counted_code == code.code
    assert counters(mark) == expected(code)


@pytest.mark.django_db
@pytest.mark.parametrize("code", list(codes.CODES.values()), ids=lambda c: c.code)
def test_a_mark_recoded_counts_as_its_new_code_says(code):
    mark = MarkFactory(pupil=PupilFactory(), date=recorded_on(code), code=COUNTS_NOWHERE)
    assert counters(mark) == expected(codes.get(COUNTS_NOWHERE))
    recode_marks(Mark.objects.filter(pk=mark.pk), code.code)
    assert counters(mark) == expected(code)


@pytest.mark.django_db
@pytest.mark.parametrize("code", codes.decision_codes(), ids=str)
def test_a_reported_code_pending_the_heads_decision_counts_as_n(code):
    mark = MarkFactory(pupil=PupilFactory(), code=code, pending=True)
    mark.refresh_from_db()
    assert mark.counted_code == codes.NO_REASON_YET
    assert counters(mark) == expected(codes.get(codes.NO_REASON_YET))


@pytest.mark.django_db
def test_the_n_of_a_register_nobody_took_counts_nowhere():
    mark = MarkFactory(pupil=PupilFactory(), code=codes.NO_REASON_YET, held_back=True)
    mark.refresh_from_db()
    assert mark.counted_code == ""
    assert counters(mark) == dict.fromkeys(expected(codes.get("/")), 0)
