"""Registers not taken are chased from their opening time: a live list for the
office and the head, a teacher's reminder before the close, and a register
that closed untaken stays on the list (its pupils held back) until completed."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from registers.models import Mark
from registers.services import Entry, close_due_registers, take_register
from registers.statistics import figures_for_pupil
from registers.untaken import send_register_reminders, untaken_registers
from tests import factories
from tests.registers.conftest import DAY, london

pytestmark = pytest.mark.django_db
SATURDAY = dt.date(2026, 11, 28)


def _names(rows):
    return [(r.group.name, r.session, r.closed) for r in rows]


def test_the_list_starts_when_the_register_opens_and_names_the_teacher(cast):
    assert untaken_registers(cast.school, london(8, 59)) == []
    rows = untaken_registers(cast.school, london(9, 0))
    assert _names(rows) == [("Hawthorn", "AM", False), ("Rowan", "AM", False)]
    assert rows[0].teacher_names == cast.alice.display_name()
    factories.take_registers(cast, DAY, "AM")  # both teachers take theirs
    assert untaken_registers(cast.school, london(9, 10)) == []


def test_a_register_that_closed_untaken_stays_listed_until_the_office_completes_it(cast):
    take_register(
        cast.hawthorn, DAY, "AM", [Entry(cast.poppy.id, "/", 0)],
        by=cast.alice, now=london(9, 5), as_teacher=True,
    )  # fmt: skip
    close_due_registers(cast.school, london(9, 20))
    rows = untaken_registers(cast.school, london(9, 25))
    assert _names(rows) == [("Rowan", "AM", True)]
    assert rows[0].held_back == 1
    # Still there the next school day, above that day's own registers.
    friday = DAY + dt.timedelta(days=1)
    rows = untaken_registers(cast.school, london(9, 5, friday))
    assert (rows[0].day, rows[0].group.name, rows[0].closed) == (DAY, "Rowan", True)
    sam = Mark.objects.get(pupil=cast.sam, date=DAY, session="AM")
    take_register(
        cast.rowan, DAY, "AM", [Entry(cast.sam.id, "/", sam.version)],
        by=cast.olive, now=london(10), as_teacher=False, reason="Mr Brown: all were in",
    )  # fmt: skip
    assert [r for r in untaken_registers(cast.school, london(10, 1)) if r.day == DAY] == []


def test_held_back_marks_count_in_no_figure_until_completed(cast):
    close_due_registers(cast.school, london(9, 20))
    assert figures_for_pupil(cast.sam.id, DAY, DAY).possible == 0
    sam = Mark.objects.get(pupil=cast.sam, date=DAY, session="AM")
    take_register(
        cast.rowan, DAY, "AM", [Entry(cast.sam.id, "N", sam.version)],
        by=cast.olive, now=london(10), as_teacher=False, reason="Mr Brown: Sam was away",
    )  # fmt: skip
    sam.refresh_from_db()
    assert not sam.held_back and sam.code == "N"
    assert sam.changes.last().reason == "Mr Brown: Sam was away"
    f = figures_for_pupil(cast.sam.id, DAY, DAY)
    assert (f.possible, f.unauthorised, f.unexplained) == (1, 1, 1)


def test_teachers_with_an_email_are_reminded_once_before_the_close(
    cast, django_capture_on_commit_callbacks
):
    cast.alice.email, cast.bob.email = "alice@school.test", ""
    cast.alice.save()
    cast.bob.save()
    assert send_register_reminders(cast.school, london(9, 14)) == 0
    with (
        time_machine.travel(london(9, 15), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert send_register_reminders(cast.school, london(9, 15)) == 1  # Bob has no email
    assert [m.to for m in mail.outbox] == [["alice@school.test"]]
    assert "Hawthorn" in mail.outbox[0].subject and "09:20" in mail.outbox[0].subject
    assert send_register_reminders(cast.school, london(9, 17)) == 0
    assert len(mail.outbox) == 1
    assert send_register_reminders(cast.school, london(9, 20)) == 0  # closed


def test_a_taken_register_and_a_weekend_get_no_reminder(cast):
    cast.alice.email = "alice@school.test"
    cast.alice.save()
    factories.take_registers(cast, DAY, "AM")
    assert send_register_reminders(cast.school, london(9, 16)) == 0
    assert send_register_reminders(cast.school, london(9, 16, SATURDAY)) == 0
    assert mail.outbox == []


def test_a_reminder_is_not_sent_once_the_teacher_has_taken_the_register(
    cast, django_capture_on_commit_callbacks
):
    cast.alice.email = "alice@school.test"
    cast.alice.save()
    with time_machine.travel(london(9, 16), tick=False):
        with django_capture_on_commit_callbacks(execute=False) as queued:
            assert send_register_reminders(cast.school, london(9, 16)) == 1
        factories.take_registers(cast, DAY, "AM")  # before the worker got to it
        for callback in queued:
            callback()
    assert mail.outbox == []


def test_the_reminder_time_is_the_schools_setting(cast):
    cast.alice.email = "alice@school.test"
    cast.alice.save()
    cast.school.register_reminder_minutes = 10
    cast.school.save()
    assert send_register_reminders(cast.school, london(9, 10)) == 1


def test_the_teacher_sees_the_reminder_on_screen(client, cast):
    client.force_login(cast.alice)
    with time_machine.travel(london(9, 10), tick=False):
        assert (
            "has not been taken"
            not in client.get(reverse("registers:my_registers")).content.decode()
        )
    with time_machine.travel(london(9, 16), tick=False):
        page = client.get(reverse("registers:my_registers")).content.decode()
    assert "Hawthorn's AM register has not been taken" in page
    assert "Rowan" not in page  # Bob's class, not hers


def test_the_office_is_told_at_once_on_every_page_and_sees_the_list(client, cast):
    close_due_registers(cast.school, london(9, 20))
    client.force_login(cast.olive)
    with time_machine.travel(london(9, 21), tick=False):
        late_book = client.get(reverse("registers:late_book")).content.decode()
        listing = client.get(reverse("registers:untaken_registers")).content.decode()
    assert "2 registers closed without being taken" in late_book
    assert "held back from calling" in listing and cast.alice.display_name() in listing
    client.force_login(cast.alice)
    assert client.get(reverse("registers:untaken_registers")).status_code == 403
