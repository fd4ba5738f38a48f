import pytest
from django.urls import reverse

from registers.models import Mark, Register
from registers.services import Entry, close_due_registers, take_register
from tests.registers.conftest import DAY, london

pytestmark = pytest.mark.django_db


def test_nothing_closes_before_the_close_time(cast):
    assert close_due_registers(cast.school, london(9, 19)) == 0
    assert not Register.objects.filter(closed_at__isnull=False).exists()


def test_unmarked_pupils_get_n_and_untaken_registers_are_flagged(cast, fill_class):
    extra = fill_class(cast.hawthorn, 2)
    take_register(
        cast.hawthorn,
        DAY,
        "AM",
        [Entry(cast.poppy.id, "/", 0)],
        by=cast.alice,
        now=london(9, 2),
        as_teacher=True,
    )
    written = close_due_registers(cast.school, london(9, 20))
    assert written == 3  # two in Hawthorn, Sam in Rowan
    assert set(Mark.objects.filter(code="N").values_list("pupil", flat=True)) == {
        extra[0].id,
        extra[1].id,
        cast.sam.id,
    }
    assert Mark.objects.get(pupil=cast.poppy).code == "/"
    hawthorn = Register.objects.get(group=cast.hawthorn, session="AM")
    rowan = Register.objects.get(group=cast.rowan, session="AM")
    assert hawthorn.closed_at and not hawthorn.not_taken_at_close
    assert rowan.not_taken_at_close
    # Sam's class never took its register: his N says so, and counts nowhere.
    sam = Mark.objects.get(pupil=cast.sam)
    assert sam.held_back and sam.counted_code == ""
    n = sam.changes.get()
    assert (n.changed_by, n.changed_by_name, n.reason) == (
        None,
        "Rollcall",
        "Register not taken by the close: held back until the office completes it",
    )
    # Hawthorn took its register: its unmarked pupils are absent, unexplained.
    missing = Mark.objects.get(pupil=extra[0])
    assert not missing.held_back and missing.counted_code == "N"
    assert missing.changes.get().reason == "Unmarked when the register closed"


def test_closing_twice_changes_nothing(cast):
    close_due_registers(cast.school, london(9, 20))
    marks = list(Mark.objects.values_list("id", "version"))
    assert close_due_registers(cast.school, london(9, 40)) == 0
    assert list(Mark.objects.values_list("id", "version")) == marks


def test_the_pm_register_closes_at_its_own_time(cast):
    close_due_registers(cast.school, london(13, 34))
    assert not Register.objects.filter(session="PM").exists()
    close_due_registers(cast.school, london(13, 35))
    assert Register.objects.get(group=cast.hawthorn, session="PM").closed_at == london(13, 35)


def test_no_register_closes_on_a_holiday(cast):
    import datetime as dt

    assert close_due_registers(cast.school, london(10, 0, day=dt.date(2026, 12, 25))) == 0
    assert close_due_registers(cast.school, london(10, 0, day=dt.date(2026, 11, 28))) == 0
    assert not Register.objects.exists()


def test_the_office_sees_registers_not_taken(client, cast, time_machine):
    time_machine.move_to(london(9, 30))
    close_due_registers(cast.school, london(9, 20))
    client.force_login(cast.olive)
    page = client.get(reverse("registers:my_registers")).content.decode()
    assert "2 registers closed without being taken" in page
    assert "Hawthorn AM" in page and "Rowan AM" in page
    assert page.count("held back from calling until completed") == 2
