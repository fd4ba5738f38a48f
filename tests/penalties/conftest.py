import datetime as dt

import pytest
from django.utils import timezone

from registers.models import Mark
from tests import factories
from tests.factories import ContactFactory, PupilContactFactory


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


@pytest.fixture
def parents(cast):
    """Mia and Dev are parents of both Poppy and Sam (two children, two parents)."""
    mia = ContactFactory(school=cast.school, first_name="Mia", last_name="Fairweather")
    dev = ContactFactory(school=cast.school, first_name="Dev", last_name="Fairweather")
    for child in (cast.poppy, cast.sam):
        PupilContactFactory(pupil=child, contact=mia, relationship="mother")
        PupilContactFactory(pupil=child, contact=dev, relationship="father", priority=2)
    return mia, dev
