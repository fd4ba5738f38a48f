"""A register nobody took is not a class of absentees: its pupils are held
back from first-day calling and the head's queue until the office completes
it; and calling sends nothing outside the school day's calling hours."""

import pytest
from django.urls import reverse

from absences import calling
from absences.models import ContactAttempt
from registers.models import Mark
from registers.services import Entry, close_due_registers, take_register
from tests import factories
from tests.registers.conftest import DAY, london

pytestmark = pytest.mark.django_db


def test_an_untaken_register_alarms_no_family_and_fills_no_queue(client, cast, family):
    close_due_registers(cast.school, london(9, 20))  # nobody took Hawthorn or Rowan
    assert Mark.objects.filter(code="N").count() == 2  # the legal record says no mark yet
    run = calling.run_first_day_calling(cast.school, london(9, 35))
    assert run.messages == [] and run.to_phone == []
    assert not ContactAttempt.objects.exists()
    client.force_login(cast.helen)
    queue = client.get(reverse("absences:authorisation_queue")).content.decode()
    assert "Poppy" not in queue
    client.force_login(cast.olive)
    page = client.get(reverse("registers:register", args=[cast.hawthorn.id, DAY.isoformat(), "AM"]))
    assert "Nobody took this register before it closed" in page.content.decode()


def test_once_the_office_completes_it_only_the_truly_absent_are_chased(cast, family):
    close_due_registers(cast.school, london(9, 20))
    extra = factories.PupilFactory(school=cast.school, registration_group=cast.hawthorn)
    close_due_registers(cast.school, london(9, 21))  # nothing more: already closed
    # The office asks Alice: Poppy is away, everyone else was in.
    outcome = take_register(
        cast.hawthorn,
        DAY,
        "AM",
        [Entry(cast.poppy.id, "N", 1), Entry(extra.id, "/", 0)],
        by=cast.olive,
        now=london(9, 30),
        as_teacher=False,
        reason="Register not taken; completed from Alice's list",
    )
    assert outcome.ok, outcome
    run = calling.run_first_day_calling(cast.school, london(9, 35))
    assert [ContactAttempt.objects.get(id=i).pupil for i in run.messages] == [cast.poppy]
    # Rowan is still untaken: Sam's family hears nothing.
    assert not ContactAttempt.objects.filter(pupil=cast.sam).exists()


def test_calling_sends_nothing_after_the_schools_end_time(cast, family):
    factories.take_registers(cast, DAY)
    close_due_registers(cast.school, london(9, 20))
    # A worker that only starts at 16:43 must not send the day's messages.
    assert calling.run_first_day_calling(cast.school, london(16, 43)).messages == []
    assert not ContactAttempt.objects.exists()
    assert calling.run_first_day_calling(cast.school, london(15, 59)).messages != []


def test_calling_sends_nothing_on_a_day_that_is_not_a_school_day(cast, family):
    saturday = DAY.replace(day=28)
    assert saturday.weekday() == 5
    assert calling.run_first_day_calling(cast.school, london(10, 0, saturday)).messages == []
