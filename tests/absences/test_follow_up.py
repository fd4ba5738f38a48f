"""Every N is followed up: listed for the office once it is some school days
old, and recorded as O in bulk, with one reason on every mark's history."""

import datetime as dt

import pytest
from django.urls import reverse

from absences import follow_up
from attendance.errors import RuleError
from registers.models import Mark
from registers.services import MarkError, close_due_registers
from tests import factories
from tests.registers.conftest import london

pytestmark = pytest.mark.django_db
D = dt.date
THURSDAY = D(2026, 11, 26)


@pytest.fixture
def absent_n():
    def write(pupil, day, session="AM"):
        return factories.create_mark(
            pupil=pupil, date=day, session=session, code="N", source="close",
            entered_at=london(9, 20, day),
        )  # fmt: skip

    return write


def test_an_n_is_listed_once_it_is_five_school_days_old(cast, absent_n):
    absent_n(cast.poppy, D(2026, 11, 19))  # Thursday a week before: 5 school days
    absent_n(cast.sam, D(2026, 11, 20))  # 4 school days
    listed = list(follow_up.unexplained_to_follow_up(cast.school, THURSDAY))
    assert [(m.pupil, m.date) for m in listed] == [(cast.poppy, D(2026, 11, 19))]
    cast.school.unexplained_follow_up_days = 4
    cast.school.save()
    assert len(follow_up.unexplained_to_follow_up(cast.school, THURSDAY)) == 2


def test_a_register_nobody_took_is_not_an_absence_to_follow_up(cast):
    close_due_registers(cast.school, london(9, 20, D(2026, 11, 16)))
    assert Mark.objects.filter(held_back=True).count() == 2
    assert list(follow_up.unexplained_to_follow_up(cast.school, THURSDAY)) == []


def test_the_office_records_o_in_bulk_with_one_reason(client, cast, absent_n):
    marks = [absent_n(cast.poppy, D(2026, 11, d)) for d in (16, 17, 18)]
    client.force_login(cast.olive)
    url = reverse("absences:unexplained_follow_up")
    response = client.post(
        url,
        {
            "mark": [f"{m.pk}:{m.version}" for m in marks[:2]],
            "reason": "Three calls and a letter, no reply",
        },
    )
    assert response.status_code == 302
    codes = dict(Mark.objects.filter(pupil=cast.poppy).values_list("date", "code"))
    assert [codes[D(2026, 11, d)] for d in (16, 17, 18)] == ["O", "O", "N"]
    change = Mark.objects.get(pk=marks[0].pk).changes.last()
    assert (change.old_code, change.new_code, change.changed_by) == ("N", "O", cast.olive)
    assert change.reason == "No reason given after follow-up: Three calls and a letter, no reply"


def test_a_bulk_o_needs_a_reason_and_a_changed_mark_stops_the_batch(cast, absent_n):
    a, b = absent_n(cast.poppy, D(2026, 11, 16)), absent_n(cast.sam, D(2026, 11, 16))
    now = london(10, 0, THURSDAY)
    with pytest.raises(RuleError, match="Give one reason"):
        follow_up.record_no_reason_given(
            cast.school, {a.pk: a.version}, reason=" ", by=cast.olive, now=now
        )
    with pytest.raises(MarkError, match=f"{cast.sam.name}"):
        follow_up.record_no_reason_given(
            cast.school,
            {a.pk: a.version, b.pk: b.version - 1},
            reason="No reply",
            by=cast.olive,
            now=now,
        )
    assert set(Mark.objects.values_list("code", flat=True)) == {"N"}


def test_teachers_cannot_see_the_follow_up_list(client, cast, absent_n):
    client.force_login(cast.alice)
    assert client.get(reverse("absences:unexplained_follow_up")).status_code == 403
    client.force_login(cast.arthur)
    absent_n(cast.poppy, D(2026, 11, 16))
    assert cast.poppy.name in client.get(reverse("absences:unexplained_follow_up")).content.decode()
