import datetime as dt

import pytest
from django.urls import reverse

from registers.models import MarkChange
from registers.services import write_mark
from tests.registers.conftest import DAY, london

pytestmark = pytest.mark.django_db


def register_url(group, session="AM", day=DAY):
    return reverse("registers:register", args=[group.id, day.isoformat(), session])


def test_my_registers_lists_todays_sessions_for_my_classes_only(client, cast, at_905):
    client.force_login(cast.alice)
    page = client.get(reverse("registers:my_registers")).content.decode()
    assert "Hawthorn · AM" in page and "Hawthorn · PM" in page
    assert "Rowan" not in page
    assert "not taken" in page


def test_a_teacher_cannot_open_another_class_register(client, cast, at_905):
    client.force_login(cast.bob)
    assert client.get(register_url(cast.hawthorn)).status_code == 404
    response = client.post(
        register_url(cast.hawthorn), {f"code_{cast.poppy.id}": "/", f"v_{cast.poppy.id}": 0}
    )
    assert response.status_code == 404


@pytest.mark.parametrize("who", ["gwen", "nobody"])
def test_governors_and_users_without_a_role_open_no_register(client, cast, at_905, who):
    client.force_login(getattr(cast, who))
    assert client.get(register_url(cast.hawthorn)).status_code == 404
    assert client.get(reverse("registers:my_registers")).status_code == 403


def test_a_register_cannot_be_taken_for_tomorrow(client, cast, at_905):
    client.force_login(cast.alice)
    assert (
        client.get(register_url(cast.hawthorn, day=DAY + dt.timedelta(days=1))).status_code == 404
    )


def test_the_pupil_attendance_page_shows_the_grid_and_dfe_figures(client, cast, time_machine):
    time_machine.move_to(london(16, 0))
    # Monday-Wednesday of this week: 5 present, 1 illness (I).
    for offset, session, code in [
        (0, "AM", "/"),
        (0, "PM", "\\"),
        (1, "AM", "/"),
        (1, "PM", "\\"),
        (2, "AM", "I"),
        (2, "PM", "L"),
    ]:
        day = dt.date(2026, 11, 23) + dt.timedelta(days=offset)
        write_mark(
            cast.poppy, day, session, code, by=cast.helen, now=london(9, 0, day), source="office"
        )
    client.force_login(cast.alice)
    page = client.get(reverse("registers:pupil_attendance", args=[cast.poppy.id])).content.decode()
    assert "83.3%" in page  # 5 of 6 possible sessions
    assert 'title="Wed 25 Nov AM: Illness (not a medical or dental appointment)"' in page
    # A teacher sees the grid but not the amendment links.
    assert reverse("registers:mark_detail", args=[cast.poppy.id, "2026-11-25", "AM"]) not in page
    client.force_login(cast.bob)
    assert (
        client.get(reverse("registers:pupil_attendance", args=[cast.poppy.id])).status_code == 404
    )


def test_the_office_sees_a_sessions_history_and_amends_it(client, cast, time_machine):
    time_machine.move_to(london(11, 0))
    write_mark(
        cast.poppy,
        DAY,
        "AM",
        "N",
        by=None,
        now=london(9, 20),
        source="close",
        reason="Unmarked when the register closed",
    )
    client.force_login(cast.olive)
    url = reverse("registers:mark_detail", args=[cast.poppy.id, DAY.isoformat(), "AM"])
    assert "Unmarked when the register closed" in client.get(url).content.decode()
    empty = client.post(url, {"code": "I", "reason": "", "seen_version": 1})
    assert empty.status_code == 400
    # Authorising the absence is the head's: the office's amendment is refused.
    office = client.post(url, {"code": "I", "reason": "Mum phoned", "seen_version": 1})
    assert office.status_code == 400
    assert "Only the head" in office.content.decode()
    assert MarkChange.objects.filter(new_code="I").count() == 0
    client.force_login(cast.helen)
    page = client.post(
        url, {"code": "I", "reason": "Mum phoned: tummy bug", "seen_version": 1}, follow=True
    ).content.decode()
    assert "Mark amended" in page
    assert "Mum phoned: tummy bug" in page
    stale = client.post(url, {"code": "O", "reason": "No contact", "seen_version": 1})
    assert "Someone else changed this mark" in stale.content.decode()


@pytest.mark.parametrize("who", ["alice", "gwen"])
def test_teachers_and_governors_cannot_see_or_amend_history(client, cast, who):
    client.force_login(getattr(cast, who))
    url = reverse("registers:mark_detail", args=[cast.poppy.id, DAY.isoformat(), "AM"])
    assert client.get(url).status_code == 403
    assert client.post(url, {"code": "O", "reason": "x", "seen_version": 0}).status_code == 403


def test_a_register_on_a_weekend_says_there_is_none_and_saves_nothing(client, cast, at_905):
    from registers.models import Mark, Register

    client.force_login(cast.olive)
    saturday = dt.date(2026, 11, 21)
    response = client.get(register_url(cast.hawthorn, day=saturday))
    assert response.status_code == 404
    assert "No registers: Saturday 21 November 2026 is a weekend." in response.content.decode()
    client.post(
        register_url(cast.hawthorn, day=saturday),
        {f"code_{cast.poppy.id}": "/", f"v_{cast.poppy.id}": 0},
    )
    assert not Mark.objects.filter(date=saturday).exists()
    assert not Register.objects.filter(date=saturday).exists()


def test_my_registers_on_a_weekend_says_when_school_is_back(client, cast):
    import time_machine

    with time_machine.travel(london(10, 0, day=dt.date(2026, 11, 21)), tick=False):
        client.force_login(cast.alice)
        page = client.get(reverse("registers:my_registers")).content.decode()
    assert "Saturday 21 November is a weekend. Pupils are back on Monday 23 November." in page


def test_the_office_completes_a_register_nobody_took_with_one_reason(
    client, cast, fill_class, time_machine
):
    from registers.models import Mark
    from registers.services import close_due_registers

    others = fill_class(cast.hawthorn, 3)
    time_machine.move_to(london(9, 40))
    close_due_registers(cast.school, london(9, 20))
    client.force_login(cast.olive)
    page = client.get(register_url(cast.hawthorn)).content.decode()
    assert "Nobody took this register before it closed." in page
    assert page.count("register not taken</small>") == 4
    assert page.count("data-held-back") == 4
    # Everyone present but one, as the teacher says; one reason for them all.
    marks = {p: "/" for p in [cast.poppy, *others[1:]]} | {others[0]: "N"}
    data = {f"code_{p.id}": code for p, code in marks.items()}
    data |= {f"v_{p.id}": 1 for p in marks}
    reason = "Register not taken; completed from Alice's list"
    response = client.post(register_url(cast.hawthorn), {**data, "reason": reason})
    assert response.status_code == 302
    for mark in Mark.objects.filter(session="AM", pupil__registration_group=cast.hawthorn):
        assert not mark.held_back
        assert mark.code == marks[mark.pupil]
        assert mark.changes.latest("id").reason == reason
    page = client.get(register_url(cast.hawthorn)).content.decode()
    assert "Nobody took this register" not in page and "register not taken" not in page


def test_mark_all_present_without_javascript_fills_a_register_nobody_took(
    client, cast, fill_class, time_machine
):
    from registers.services import close_due_registers, write_mark

    away = fill_class(cast.hawthorn, 1)[0]
    time_machine.move_to(london(9, 40))
    write_mark(away, DAY, "AM", "M", by=cast.helen, now=london(8, 30), source="office")
    close_due_registers(cast.school, london(9, 20))
    client.force_login(cast.olive)
    page = client.post(register_url(cast.hawthorn), {"all_present": "1"}).content.decode()
    assert f'<select name="code_{cast.poppy.id}"' in page
    poppy = page.split(f'<select name="code_{cast.poppy.id}"')[1].split("</select>")[0]
    assert '<option value="/" selected>' in poppy
    appointment = page.split(f'<select name="code_{away.id}"')[1].split("</select>")[0]
    assert '<option value="M" selected>' in appointment  # known, so not held back


def test_a_teacher_sees_their_untaken_register_held_back_but_cannot_complete_it(
    client, cast, time_machine
):
    from registers.services import close_due_registers

    time_machine.move_to(london(9, 40))
    close_due_registers(cast.school, london(9, 20))
    client.force_login(cast.alice)
    page = client.get(register_url(cast.hawthorn)).content.decode()
    assert "register not taken</small>" in page
    assert "the office will complete it" in page
    assert "Mark all present" not in page


def test_an_office_amendment_to_l_asks_for_the_minutes(client, cast, time_machine):
    time_machine.move_to(london(11, 0))
    write_mark(cast.poppy, DAY, "AM", "N", by=cast.alice, now=london(9, 5), source="register")
    client.force_login(cast.olive)
    url = reverse("registers:mark_detail", args=[cast.poppy.id, DAY.isoformat(), "AM"])
    response = client.post(url, {"code": "L", "reason": "Came in at 09:10", "seen_version": 1})
    assert response.status_code == 400
    assert "Give the minutes late for L" in response.content.decode()
    client.post(
        url, {"code": "L", "reason": "Came in at 09:10", "seen_version": 1, "minutes_late": 10}
    )
    assert MarkChange.objects.get(new_code="L").new_minutes_late == 10
