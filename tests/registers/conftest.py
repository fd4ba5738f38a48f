import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.factories import PupilFactory

LONDON = ZoneInfo("Europe/London")
# Thursday 26 November 2026, a school day in the test calendar (GMT).
DAY = dt.date(2026, 11, 26)


def london(hour: int, minute: int = 0, day: dt.date = DAY) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON)


@pytest.fixture
def at_905():
    with time_machine.travel(london(9, 5), tick=False) as traveller:
        yield traveller


@pytest.fixture
def fill_class():
    def fill(group, count: int):
        return [
            PupilFactory(school=group.academic_year.school, registration_group=group)
            for _ in range(count)
        ]

    return fill
