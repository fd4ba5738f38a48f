import datetime as dt

import pytest
from django.utils import timezone

from registers.models import Mark
from tests import factories


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def absent():
    """absent(pupil, [(date, session), ...], code): write marks straight in."""

    def write(pupil, sessions, code="O"):
        factories.bulk_create_marks(
            [
                Mark(
                    pupil=pupil,
                    date=d,
                    session=s,
                    code=code,
                    entered_at=timezone.now(),
                    source="office",
                )
                for d, s in sessions
            ]
        )

    return write


def mondays(first: dt.date, count: int, skip=()) -> list[dt.date]:
    days, day = [], first
    while len(days) < count:
        if day not in skip:
            days.append(day)
        day += dt.timedelta(weeks=1)
    return days
