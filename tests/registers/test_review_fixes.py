"""Edge cases found in review: scope, decided codes, impossible sessions."""

import datetime as dt

import pytest
from django.urls import reverse

from attendance.school_calendar import SchoolCalendar
from registers.models import LateArrival, Mark
from registers.services import Entry, MarkError, amend_mark, sign_in_late, take_register, write_mark
from tests.factories import PupilFactory, SchoolFactory, build_calendar
from tests.registers.conftest import DAY, london

pytestmark = pytest.mark.django_db


def test_a_user_whose_teacher_role_was_removed_sees_no_pupil(client, cast):
    cast.alice.groups.clear()
    client.force_login(cast.alice)
    assert client.get(reverse("attendance:pupil_detail", args=[cast.poppy.id])).status_code == 404
    assert (
        client.get(reverse("registers:pupil_attendance", args=[cast.poppy.id])).status_code == 404
    )


def test_office_staff_see_no_pupil_of_another_school(client, cast):
    other = SchoolFactory(name="Other School")
    build_calendar(other, with_previous_year=False)
    stranger = PupilFactory(school=other)
    client.force_login(cast.olive)
    assert client.get(reverse("attendance:pupil_detail", args=[stranger.id])).status_code == 404
    assert client.get(reverse("registers:pupil_attendance", args=[stranger.id])).status_code == 404
    url = reverse("registers:mark_detail", args=[stranger.id, DAY.isoformat(), "AM"])
    assert client.get(url).status_code == 404


def test_a_late_arrival_keeps_an_appointment_code(cast):
    write_mark(cast.poppy, DAY, "AM", "M", by=cast.helen, now=london(8, 30), source="office")
    arrival = sign_in_late(cast.poppy, london(10, 30), by=cast.olive, now=london(10, 30))
    assert Mark.objects.get(pupil=cast.poppy, session="AM").code == "M"
    assert LateArrival.objects.get() == arrival


def test_a_long_late_reason_is_kept_without_error(cast):
    sign_in_late(cast.poppy, london(9, 10), by=cast.olive, now=london(9, 10), reason="x" * 200)
    assert len(Mark.objects.get(pupil=cast.poppy).note) == 200
    assert LateArrival.objects.get().reason == "x" * 200


def test_no_mark_on_a_saturday_or_before_admission_or_in_the_wrong_session(cast):
    with pytest.raises(MarkError, match="not a school session"):
        amend_mark(
            cast.poppy, dt.date(2026, 11, 28), "AM", "O", by=cast.olive, now=london(12), reason="x"
        )
    with pytest.raises(MarkError, match="not on roll"):
        cast.poppy.admission_date = DAY + dt.timedelta(days=1)
        amend_mark(cast.poppy, DAY, "AM", "O", by=cast.olive, now=london(12), reason="x")
    cast.poppy.admission_date = dt.date(2021, 9, 1)
    with pytest.raises(MarkError, match="other session"):
        amend_mark(cast.poppy, DAY, "AM", "\\", by=cast.olive, now=london(12), reason="x")
    pm_mark = [Entry(cast.poppy.id, "\\", 0)]
    outcome = take_register(
        cast.hawthorn, DAY, "AM", pm_mark, by=cast.alice, now=london(9, 5), as_teacher=True
    )
    assert not outcome.ok
    assert not Mark.objects.exists()


def test_an_office_l_entered_in_the_afternoon_asks_for_the_minutes(cast):
    def office_l(minutes):
        return take_register(
            cast.hawthorn,
            DAY,
            "AM",
            [Entry(cast.poppy.id, "L", 0, minutes)],
            by=cast.olive,
            now=london(15, 0),
            as_teacher=False,
        )

    # No invented minutes: the office says how late the pupil was.
    assert office_l(None).errors == [
        "Poppy Fairweather: give the minutes late for L (the late book records the time a "
        "pupil arrived)."
    ]
    assert not Mark.objects.exists()
    assert office_l(12).ok
    assert Mark.objects.get(pupil=cast.poppy).minutes_late == 12


def test_an_improvement_period_from_a_saturday_starts_on_monday(school):
    calendar = SchoolCalendar(school)
    assert calendar.school_weeks_after(dt.date(2026, 11, 21), 1) == dt.date(2026, 11, 27)
