"""The L/U rule at and around the register time and the close, in GMT and
BST, for AM and PM.

Sources: the seed policies ("late ... if they do not arrive at their classroom
door by 9am"; Heartwood: U for "arriving on or after this time", the close);
School Attendance (Pupil Registration) (England) Regulations 2024, codes L and U.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from registers.rules import arrival_code, session_of_arrival
from tests.factories import SchoolFactory

LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC


@pytest.fixture
def school():
    # Default times: AM register 09:00-09:20; PM set here to 13:15-13:35.
    return SchoolFactory.build()


def utc(*args):
    return dt.datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("arrival", "expected"),
    [
        # Friday 26 March 2027, GMT: the school clock is UTC.
        (utc(2027, 3, 26, 8, 59), ("/", None)),
        # At the register time exactly is on time ("by 9am"); a moment after is
        # late, and late by at least a minute.
        (utc(2027, 3, 26, 9, 0), ("/", None)),
        (utc(2027, 3, 26, 9, 0, 1), ("L", 1)),
        (utc(2027, 3, 26, 9, 1), ("L", 1)),
        (utc(2027, 3, 26, 9, 19, 59), ("L", 19)),
        (utc(2027, 3, 26, 9, 20), ("U", 20)),
        (utc(2027, 3, 26, 9, 21), ("U", 21)),
        # Monday 29 March 2027, the day after the clocks go forward: BST = UTC+1.
        (utc(2027, 3, 29, 8, 19), ("L", 19)),
        (utc(2027, 3, 29, 8, 20), ("U", 20)),
        (utc(2027, 3, 29, 9, 19), ("U", 79)),  # 10:19 on the school clock
        # Friday 23 October 2026 is BST; Monday 2 November 2026 is GMT.
        (utc(2026, 10, 23, 8, 19), ("L", 19)),
        (utc(2026, 10, 23, 8, 20), ("U", 20)),
        (utc(2026, 11, 2, 9, 19), ("L", 19)),
        (utc(2026, 11, 2, 9, 20), ("U", 20)),
    ],
)
def test_am_arrivals(school, arrival, expected):
    assert arrival_code(school, "AM", arrival) == expected


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        (dt.datetime(2027, 3, 29, 13, 14, tzinfo=LONDON), ("\\", None)),
        (dt.datetime(2027, 3, 29, 13, 15, tzinfo=LONDON), ("\\", None)),
        (dt.datetime(2027, 3, 29, 13, 15, 30, tzinfo=LONDON), ("L", 1)),
        (dt.datetime(2027, 3, 29, 13, 34, tzinfo=LONDON), ("L", 19)),
        (dt.datetime(2027, 3, 29, 13, 35, tzinfo=LONDON), ("U", 20)),
        (dt.datetime(2026, 11, 2, 13, 34, tzinfo=LONDON), ("L", 19)),
        (dt.datetime(2026, 11, 2, 13, 35, tzinfo=LONDON), ("U", 20)),
    ],
)
def test_pm_arrivals_in_bst_and_gmt(school, local, expected):
    assert arrival_code(school, "PM", local.astimezone(UTC)) == expected


def test_the_school_sets_its_own_close_time(school):
    school.am_register_closes = dt.time(9, 30)
    assert arrival_code(school, "AM", dt.datetime(2026, 11, 2, 9, 25, tzinfo=LONDON)) == ("L", 25)


def test_a_late_morning_arrival_is_for_the_am_session_until_the_pm_register(school):
    assert session_of_arrival(school, dt.datetime(2027, 3, 29, 12, 0, tzinfo=LONDON)) == "AM"
    assert session_of_arrival(school, dt.datetime(2027, 3, 29, 13, 15, tzinfo=LONDON)) == "PM"
