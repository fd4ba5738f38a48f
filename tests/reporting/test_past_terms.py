"""Past terms' figures are kept for the dashboard's comparisons, and an
amendment to a past term is in its figures at once (reporting.past_terms)."""

import datetime as dt

import pytest
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from registers.models import Mark
from registers.services import amend_mark
from reporting.models import PastTermFigures
from reporting.past_terms import LOCK
from tests import factories
from tests.factories import PupilFactory
from tests.registers.conftest import london

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 26)
SUMMER_DAY = dt.date(2026, 6, 2)  # in the summer term 2025/26, the one before this


@pytest.fixture
def summer_marks(cast):
    """Six pupils present every session of two summer days, Sam absent one."""
    pupils = [cast.poppy, cast.sam] + [
        PupilFactory(school=cast.school, registration_group=cast.hawthorn) for _ in range(4)
    ]
    factories.bulk_create_marks(
        Mark(pupil=p, date=day, session=s, code="/", entered_at=timezone.now())
        for p in pupils
        for day in (SUMMER_DAY, SUMMER_DAY + dt.timedelta(days=1))
        for s in ("AM", "PM")
    )
    return pupils


def _summer_line(client, cast) -> str:
    tables = client.get(
        reverse("reporting:governors"), {"term": "2026-27-autumn", "format": "csv"}
    ).content.decode()
    return next(line for line in tables.splitlines() if "Summer term 2025/26" in line)


def test_an_amendment_to_a_past_term_is_in_the_comparison_at_once(
    client, cast, summer_marks, time_machine
):
    time_machine.move_to(london(16, 0, TODAY))
    client.force_login(cast.gwen)
    assert _summer_line(client, cast).startswith("whole school,Summer term 2025/26,6,100.0,")
    assert PastTermFigures.objects.filter(school=cast.school).exists()  # kept
    amend_mark(cast.sam, SUMMER_DAY, "AM", "I", by=cast.helen, now=timezone.now(), reason="Ill")
    # 23 of 24 sessions attended.
    assert _summer_line(client, cast).startswith("whole school,Summer term 2025/26,6,95.8,")


def test_todays_registers_keep_past_terms_figures(client, cast, summer_marks, time_machine):
    time_machine.move_to(london(16, 0, TODAY))
    client.force_login(cast.gwen)
    _summer_line(client, cast)
    kept = set(PastTermFigures.objects.values_list("id", flat=True))
    factories.create_mark(
        pupil=cast.poppy, date=TODAY, session="PM", code="/", entered_at=timezone.now()
    )
    assert set(PastTermFigures.objects.values_list("id", flat=True)) == kept


def test_figures_are_not_kept_while_a_writer_of_that_school_is_busy(
    client, cast, summer_marks, time_machine
):
    """A writer's transaction (the trigger's shared lock) may be changing the
    past term: the page shows figures worked out now and keeps none."""
    time_machine.move_to(london(16, 0, TODAY))
    writer = connections.create_connection("default")
    try:
        with writer.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock_shared(%s, %s)", [LOCK, cast.school.id])
        client.force_login(cast.gwen)
        assert _summer_line(client, cast).startswith("whole school,Summer term 2025/26,6,100.0,")
        assert not PastTermFigures.objects.filter(school=cast.school).exists()
    finally:
        writer.close()
    _summer_line(client, cast)
    assert PastTermFigures.objects.filter(school=cast.school).exists()


def test_a_mark_written_takes_the_schools_lock_shared(cast, summer_marks):
    """So that a page cannot store figures from before this write's commit."""
    factories.create_mark(
        pupil=cast.poppy, date=TODAY, session="AM", code="/", entered_at=timezone.now()
    )
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK, cast.school.id])
            assert cursor.fetchone() == (False,)
            cursor.execute("SELECT pg_try_advisory_lock_shared(%s, %s)", [LOCK, cast.school.id])
            assert cursor.fetchone() == (True,)  # writers never wait for each other
    finally:
        other.close()
