import pytest
from django.urls import reverse

from registers.models import EarlyDeparture, LateArrival, Mark
from registers.services import MarkError, sign_in_late
from tests.registers.conftest import DAY, london

pytestmark = pytest.mark.django_db


def sign_in(client, pupil, arrived, **extra):
    return client.post(
        reverse("registers:late_book"),
        {"action": "late", "pupil": pupil.id, "arrived": arrived, **extra},
        follow=True,
    )


def test_a_pupil_arriving_before_close_is_l(client, cast, time_machine):
    time_machine.move_to(london(9, 12))
    client.force_login(cast.olive)
    page = sign_in(client, cast.poppy, "09:12", reason="Traffic", brought_by="Dad").content.decode()
    assert "Poppy Fairweather signed in at 09:12: L" in page
    mark = Mark.objects.get(pupil=cast.poppy, date=DAY, session="AM")
    assert (mark.code, mark.minutes_late) == ("L", 12)
    arrival = LateArrival.objects.get()
    assert (arrival.reason, arrival.brought_by, arrival.recorded_by) == (
        "Traffic",
        "Dad",
        cast.olive,
    )


def test_a_pupil_arriving_after_close_is_u_and_replaces_the_n(client, cast, time_machine):
    from registers.services import close_due_registers

    time_machine.move_to(london(9, 41))
    close_due_registers(cast.school, london(9, 20))
    client.force_login(cast.olive)
    page = sign_in(client, cast.poppy, "09:40").content.decode()
    assert "U (arrived after the register closed), 40 minutes late" in page
    mark = Mark.objects.get(pupil=cast.poppy, session="AM")
    assert mark.code == "U"
    assert list(mark.changes.values_list("old_code", "new_code")) == [("", "N"), ("N", "U")]


def test_the_office_finds_a_pupil_by_part_of_a_name(client, cast, time_machine):
    time_machine.move_to(london(9, 30))
    client.force_login(cast.olive)
    page = client.get(reverse("registers:late_book"), {"q": "fair"}).content.decode()
    assert "Poppy Fairweather" in page and "Sign in late" in page
    assert "Okafor" not in page


def test_an_arrival_in_the_future_is_refused(cast):
    with pytest.raises(MarkError, match="future"):
        sign_in_late(cast.poppy, london(10, 0), by=cast.olive, now=london(9, 0))
    assert not Mark.objects.exists()


def test_a_bad_time_is_a_clear_error_and_changes_nothing(client, cast, time_machine):
    time_machine.move_to(london(9, 30))
    client.force_login(cast.olive)
    response = client.post(
        reverse("registers:late_book"),
        {"action": "late", "pupil": cast.poppy.id, "arrived": "25:99"},
    )
    assert response.status_code == 400
    assert "arrived: Enter a valid time." in response.content.decode()
    assert not Mark.objects.exists()


def test_leaving_for_an_appointment_before_lunch_marks_the_afternoon_m(client, cast, time_machine):
    time_machine.move_to(london(11, 0))
    client.force_login(cast.olive)
    client.post(
        reverse("registers:late_book"),
        {
            "action": "leave",
            "pupil": cast.poppy.id,
            "left": "11:00",
            "reason": "M",
            "details": "Orthodontist",
            "collected_by": "Mum",
        },
    )
    departure = EarlyDeparture.objects.get()
    assert departure.collected_by == "Mum"
    # The office records the reason; authorising it (M) is the head's decision.
    pm = Mark.objects.get(pupil=cast.poppy, session="PM")
    assert pm.code == "N"
    assert "Orthodontist" in pm.note and "for the head to decide" in pm.note


def test_the_head_signing_out_for_an_appointment_marks_the_afternoon_m(cast):
    from registers.services import sign_out_early

    sign_out_early(cast.poppy, london(11, 0), "M", by=cast.helen, now=london(11, 0))
    assert Mark.objects.get(pupil=cast.poppy, session="PM").code == "M"


def test_leaving_after_the_afternoon_register_keeps_the_mark(cast):
    from registers.services import sign_out_early, write_mark

    write_mark(cast.poppy, DAY, "PM", "\\", by=cast.alice, now=london(13, 16), source="register")
    sign_out_early(cast.poppy, london(14, 30), "I", by=cast.olive, now=london(14, 30))
    assert Mark.objects.get(pupil=cast.poppy, session="PM").code == "\\"
    assert EarlyDeparture.objects.count() == 1


@pytest.mark.parametrize("who", ["alice", "gwen", "nobody"])
def test_only_office_and_attendance_staff_use_the_late_book(client, cast, who):
    client.force_login(getattr(cast, who))
    assert client.get(reverse("registers:late_book")).status_code == 403
    response = client.post(
        reverse("registers:late_book"),
        {"action": "late", "pupil": cast.poppy.id, "arrived": "09:10"},
    )
    assert response.status_code == 403
    assert not Mark.objects.exists()


def test_a_search_with_a_nul_in_it_finds_the_pupil_and_does_not_crash(client, cast, time_machine):
    time_machine.move_to(london(9, 30))
    client.force_login(cast.olive)
    response = client.get(reverse("registers:late_book"), {"q": "fair\x00weather"})
    assert response.status_code == 200
    assert "Poppy Fairweather" in response.content.decode()
    assert client.get(reverse("registers:late_book") + "?q=%00").status_code == 200
