"""The numbers on roll the governors see hide small groups as the dashboard does."""

import datetime as dt

import pytest
from django.urls import reverse

from attendance.models import Pupil
from reporting.roll_profile import roll_profile
from reporting.suppression import too_small
from tests.factories import PupilFactory
from tests.registers.conftest import london

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 2)


def _counts(profile) -> dict:
    return {f.label: f for f in profile["groups"]}


def test_small_counts_show_as_fewer_than_five(cast):
    Pupil.objects.filter(pk=cast.poppy.pk).update(free_school_meals=True)
    groups = _counts(roll_profile(cast.school, TODAY))
    assert groups["Free school meals"].suppressed and groups["Free school meals"].too_small


def test_one_group_less_another_gives_nobody_away(cast):
    # Six looked-after children, who like every looked-after child have a
    # social worker, and one more child with a social worker: both counts
    # are 5 or more, but social worker less looked-after would be that child.
    looked_after = [PupilFactory(school=cast.school) for _ in range(6)]
    Pupil.objects.filter(pk__in=[p.pk for p in looked_after]).update(
        looked_after=True, has_social_worker=True
    )
    Pupil.objects.filter(pk=cast.sam.pk).update(has_social_worker=True)
    groups = _counts(roll_profile(cast.school, TODAY))
    counts = [groups["Looked-after"], groups["With a social worker"]]
    assert [f.count for f in counts] == [6, 7]
    assert not any(too_small(f.count) for f in counts)  # the basic rule would show both
    assert any(f.suppressed for f in counts)


def test_a_group_holding_all_but_a_few_pupils_is_hidden(cast):
    # Everyone on roll but Poppy speaks English as an additional language:
    # the roll less that count would be Poppy.
    for _ in range(5):
        PupilFactory(school=cast.school)
    Pupil.objects.filter(school=cast.school).exclude(pk=cast.poppy.pk).update(eal=True)
    profile = roll_profile(cast.school, TODAY)
    eal = _counts(profile)["English as an additional language"]
    assert eal.count == profile["total"] - 1 >= 5
    assert eal.suppressed and not eal.too_small


def test_the_governors_csv_says_hidden_not_fewer_than_five(client, cast, time_machine):
    looked_after = [PupilFactory(school=cast.school) for _ in range(6)]
    Pupil.objects.filter(pk__in=[p.pk for p in looked_after]).update(
        looked_after=True, has_social_worker=True
    )
    Pupil.objects.filter(pk=cast.sam.pk).update(has_social_worker=True)
    time_machine.move_to(london(16, 0))
    client.force_login(cast.gwen)
    tables = client.get(reverse("reporting:governors"), {"format": "csv"}).content.decode()
    on_roll = {
        line.split(",")[1]: line.split(",")[2]
        for line in tables.splitlines()
        if line.startswith("on roll,")
    }
    assert "hidden" in (on_roll["Looked-after"], on_roll["With a social worker"])
