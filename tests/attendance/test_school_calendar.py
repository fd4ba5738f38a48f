import datetime as dt

import pytest

from attendance.models import NonSchoolDay
from attendance.school_calendar import (
    SchoolCalendar,
    SchoolSession,
    Session,
    possible_sessions,
    school_days,
    school_weeks_back,
)
from tests.factories import NonSchoolDayFactory, PupilFactory

D = dt.date
pytestmark = pytest.mark.django_db


def test_school_days_skip_weekends_and_half_term(school):
    # 19-23 Oct, then half-term 26-30 Oct, then 2-6 Nov.
    days = school_days(school, D(2026, 10, 19), D(2026, 11, 6))
    assert len(days) == 10
    assert D(2026, 10, 26) not in days
    assert D(2026, 10, 24) not in days  # a Saturday


def test_bank_holiday_monday_is_not_a_school_day(school):
    cal = SchoolCalendar(school)
    assert not cal.is_school_day(D(2027, 5, 3))  # Early May bank holiday
    assert cal.is_school_day(D(2027, 5, 4))
    assert cal.is_school_week(D(2027, 5, 3))
    assert len(cal.school_days(D(2027, 5, 3), D(2027, 5, 9))) == 4


def test_inset_day_and_half_day_closure(school):
    NonSchoolDayFactory(school=school, date=D(2026, 11, 2))
    NonSchoolDayFactory(
        school=school, date=D(2026, 11, 3), kind="closure", sessions=NonSchoolDay.Sessions.PM
    )
    cal = SchoolCalendar(school)
    assert cal.sessions_on(D(2026, 11, 2)) == []
    assert cal.sessions_on(D(2026, 11, 3)) == [Session.AM]
    assert cal.sessions_on(D(2026, 11, 4)) == [Session.AM, Session.PM]


def test_a_year_has_about_190_school_days(school):
    # 195 weekdays in the six half-terms, less Good Friday and the May bank
    # holiday; a real school then takes off its five INSET days (190).
    assert len(school_days(school, D(2026, 9, 1), D(2027, 8, 31))) == 193


def test_counting_back_across_half_term(school):
    assert school_weeks_back(school, D(2026, 11, 6), 3) == [
        D(2026, 10, 12),
        D(2026, 10, 19),
        D(2026, 11, 2),
    ]


def test_counting_back_across_christmas(school):
    assert school_weeks_back(school, D(2027, 1, 8), 3) == [
        D(2026, 12, 7),
        D(2026, 12, 14),
        D(2027, 1, 4),
    ]


def test_counting_back_across_the_summer_into_last_year(school):
    weeks = school_weeks_back(school, D(2026, 9, 11), 10)
    assert len(weeks) == 10
    # Two school weeks this September (3-4 Sep fall in the week of 31 Aug)...
    assert weeks[-2:] == [D(2026, 8, 31), D(2026, 9, 7)]
    # ...and eight from the end of last summer term, which ended on Tue 21 July.
    assert weeks[:8] == [D(2026, 6, 1) + dt.timedelta(weeks=i) for i in range(8)]
    assert SchoolCalendar(school).rolling_window(D(2026, 9, 11), 10) == (
        D(2026, 6, 1),
        D(2026, 9, 11),
    )


def test_a_week_of_closures_is_not_a_school_week(school):
    for i in range(5):
        NonSchoolDayFactory(school=school, date=D(2026, 12, 7) + dt.timedelta(days=i))
    assert school_weeks_back(school, D(2026, 12, 18), 2) == [D(2026, 11, 30), D(2026, 12, 14)]


def test_a_week_with_one_session_is_a_school_week(school):
    cal_days = [D(2026, 12, 7) + dt.timedelta(days=i) for i in range(5)]
    for day in cal_days[1:]:
        NonSchoolDayFactory(school=school, date=day)
    NonSchoolDayFactory(school=school, date=cal_days[0], kind="closure", sessions="PM")
    assert SchoolCalendar(school).is_school_week(D(2026, 12, 7))


def test_counting_back_from_a_holiday_starts_at_the_last_school_week(school):
    assert school_weeks_back(school, D(2026, 12, 30), 1) == [D(2026, 12, 14)]


def test_counting_back_stops_where_the_calendar_starts(school):
    weeks = school_weeks_back(school, D(2025, 9, 12), 10)
    assert weeks == [D(2025, 9, 1), D(2025, 9, 8)]


def test_counting_back_needs_a_positive_count(school):
    with pytest.raises(ValueError):
        school_weeks_back(school, D(2026, 9, 11), 0)


def test_improvement_period_ends_after_six_school_weeks(school):
    # Notice given 16 Nov: weeks of 16, 23, 30 Nov, 7, 14 Dec, then 4 Jan.
    assert SchoolCalendar(school).school_weeks_after(D(2026, 11, 16), 6) == D(2027, 1, 8)


def test_possible_sessions_respect_admission_and_leaving(school):
    pupil = PupilFactory(school=school, admission_date=D(2026, 11, 4), leaving_date=D(2026, 11, 5))
    assert possible_sessions(pupil, D(2026, 11, 2), D(2026, 11, 6)) == [
        SchoolSession(D(2026, 11, 4), Session.AM),
        SchoolSession(D(2026, 11, 4), Session.PM),
        SchoolSession(D(2026, 11, 5), Session.AM),
        SchoolSession(D(2026, 11, 5), Session.PM),
    ]


def test_a_pupil_who_left_before_the_range_has_no_possible_sessions(school):
    pupil = PupilFactory(school=school, admission_date=D(2021, 9, 1), leaving_date=D(2026, 7, 21))
    assert possible_sessions(pupil, D(2026, 9, 1), D(2026, 12, 18)) == []


def test_the_calendar_loads_in_one_query(school, django_assert_num_queries):
    NonSchoolDayFactory(school=school, date=D(2027, 1, 4), description="Staff training")
    with django_assert_num_queries(1):
        cal = SchoolCalendar(school)
    # Both kinds of row came in the one query: the half-terms and the INSET day.
    assert cal.day_note(D(2027, 1, 4)).startswith(
        "No registers today: Monday 4 January is an INSET"
    )
    with django_assert_num_queries(0):
        cal.school_weeks_back(D(2027, 7, 21), 40)


def test_a_day_without_registers_says_why_and_when_pupils_are_back(school):
    NonSchoolDayFactory(school=school, date=D(2027, 1, 4), description="Staff training")
    cal = SchoolCalendar(school)
    assert cal.day_note(D(2026, 12, 2)) is None
    assert cal.day_note(D(2026, 12, 5)) == (
        "No registers today: Saturday 5 December is a weekend. "
        "Pupils are back on Monday 7 December."
    )
    assert cal.day_note(D(2026, 12, 24)) == (
        "School is closed for the Christmas holiday. Pupils are back on Tuesday 5 January."
    )
    assert cal.day_note(D(2027, 1, 4)) == (
        "No registers today: Monday 4 January is an INSET (staff training) day. "
        "Pupils are back on Tuesday 5 January."
    )
    assert cal.day_note(D(2026, 10, 28)).startswith("School is closed for the half-term holiday")
    assert cal.day_note(D(2027, 4, 1)).startswith("School is closed for the Easter holiday")
    assert cal.day_note(D(2027, 5, 3)).startswith(
        "No registers today: Monday 3 May is a bank holiday"
    )
    assert cal.day_note(D(2027, 8, 10)).startswith(
        "School is closed for the summer holiday. Next year's calendar is not set up yet"
    )
    assert cal.day_note(D(2027, 10, 1)) == (
        "There is no school calendar for Friday 1 October 2027 yet: "
        "the admin adds it under Setup → New school year."
    )
    assert cal.day_note(D(2026, 10, 28), today=False) == (
        "No registers: Wednesday 28 October 2026 is in the half-term holiday."
    )


def test_a_morning_closure_leaves_the_afternoon_register(school):
    NonSchoolDayFactory(
        school=school, date=D(2026, 12, 9), kind=NonSchoolDay.Kind.CLOSURE, sessions="AM"
    )
    assert SchoolCalendar(school).day_note(D(2026, 12, 9)) == (
        "Only the PM register today: the morning is closed."
    )
