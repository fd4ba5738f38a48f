import datetime as dt
import time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import Page, expect

from registers.models import Mark
from tests.browser.test_sign_in import sign_in
from tests.factories import PupilFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LONDON = ZoneInfo("Europe/London")


def at(hour, minute):
    return dt.datetime(2026, 11, 26, hour, minute, tzinfo=LONDON)


def test_a_teacher_marks_all_present_then_two_absent_and_saves(page: Page, live_server, cast):
    pupils = [cast.poppy] + [
        PupilFactory(
            school=cast.school, registration_group=cast.hawthorn, legal_surname=f"Z{i:02d}"
        )
        for i in range(27)
    ]
    absent = pupils[3:5]
    with time_machine.travel(at(9, 1), tick=True):
        sign_in(page, live_server.url, "alice")
        started = time.monotonic()
        page.get_by_role("link", name="Hawthorn · AM").click()
        page.get_by_role("button", name="Mark all present").click()
        expect(page.locator("#progress")).to_have_text("28 of 28 marked")
        for pupil in absent:
            page.get_by_role("radiogroup", name=pupil.name).get_by_label("Absent").check()
        page.get_by_role("button", name="Save register").click()
        expect(page.get_by_role("status")).to_contain_text("Hawthorn AM register saved.")
        took = time.monotonic() - started
    assert took < 10, f"taking the register took {took:.1f}s"
    codes = dict(Mark.objects.filter(session="AM").values_list("pupil_id", "code"))
    assert len(codes) == 28
    assert {codes[p.id] for p in absent} == {"N"}
    assert sum(1 for c in codes.values() if c == "/") == 26
    expect(page.get_by_role("link", name="Hawthorn · AM")).to_contain_text("taken")


def test_the_office_signs_in_a_late_pupil_after_close_and_sees_u(page: Page, live_server, cast):
    with time_machine.travel(at(9, 32), tick=True):
        sign_in(page, live_server.url, "olive")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Late book")
        page.get_by_label("Find a pupil").fill("Poppy")
        page.get_by_label("Find a pupil").press("Enter")
        page.get_by_label("Arrived at").fill("09:31")
        page.get_by_label("Brought by").fill("Grandad")
        page.get_by_role("button", name="Sign in late").click()
        expect(page.get_by_role("status")).to_contain_text(
            "Poppy Fairweather signed in at 09:31: U"
        )
        row = page.get_by_role("row").filter(has_text="Poppy Fairweather")
        expect(row).to_contain_text("U")
        expect(row).to_contain_text("Grandad")
    assert Mark.objects.get(pupil=cast.poppy, session="AM").code == "U"


def more_of_hawthorn(cast, count):
    return [
        PupilFactory(
            school=cast.school, registration_group=cast.hawthorn, legal_surname=f"Z{i:02d}"
        )
        for i in range(count)
    ]


def test_the_office_completes_an_untaken_register_in_a_handful_of_actions(
    page: Page, live_server, cast
):
    from django.urls import reverse

    from registers.services import close_due_registers

    pupils = [cast.poppy, *more_of_hawthorn(cast, 11)]
    absent, late = pupils[3], pupils[5]
    close_due_registers(cast.school, at(9, 20))  # nobody took Hawthorn's register
    reason = "Register not taken; completed from Alice's list"
    with time_machine.travel(at(9, 40), tick=True):
        sign_in(page, live_server.url, "olive")
        register = reverse("registers:register", args=[cast.hawthorn.id, "2026-11-26", "AM"])
        page.goto(live_server.url + register)
        notice = page.get_by_role("region", name="Register not taken")
        expect(notice).to_contain_text("Nobody took this register before it closed.")
        expect(page.locator("small.status", has_text="register not taken")).to_have_count(12)
        actions = [
            lambda: page.get_by_role("button", name="Mark all present").click(),
            lambda: page.get_by_label(f"Mark for {absent.name}").select_option("N"),
            lambda: page.get_by_label(f"Mark for {late.name}").select_option("L"),
            lambda: page.get_by_label(f"Minutes late for {late.name}").fill("10"),
            lambda: page.get_by_label("Reason for changing a saved mark").fill(reason),
            lambda: page.get_by_role("button", name="Save register").click(),
        ]
        for action in actions:
            action()
        expect(page.get_by_role("status")).to_contain_text("Hawthorn AM register saved.")
        expect(notice).to_have_count(0)
    # Mark all present, two exceptions (the L with its minutes), the reason, save.
    assert len(actions) == 6
    marks = {m.pupil_id: m for m in Mark.objects.filter(pupil__in=pupils, session="AM")}
    assert len(marks) == 12 and not any(m.held_back for m in marks.values())
    assert (marks[absent.id].code, marks[late.id].code) == ("N", "L")
    assert marks[late.id].minutes_late == 10
    assert sum(1 for m in marks.values() if m.code == "/") == 10
    assert {m.changes.latest("id").reason for m in marks.values()} == {reason}


def test_a_teacher_keeps_the_class_when_the_office_changed_one_pupil(page: Page, live_server, cast):
    from registers.services import sign_in_late

    pupils = [cast.poppy, *more_of_hawthorn(cast, 19)]
    with time_machine.travel(at(9, 5), tick=True):
        sign_in(page, live_server.url, "alice")
        page.get_by_role("link", name="Hawthorn · AM").click()
        page.get_by_role("button", name="Mark all present").click()
        # Meanwhile the office signs Poppy in late.
        sign_in_late(cast.poppy, at(9, 4), by=cast.olive, now=at(9, 5))
        page.get_by_role("button", name="Save register").click()
        alert = page.get_by_role("alert")
        expect(alert).to_contain_text("19 marks saved.")
        expect(alert).to_contain_text("Poppy Fairweather: yours /; saved now L")
        poppy = page.get_by_role("radiogroup", name=cast.poppy.name)
        expect(poppy.get_by_label("Present")).to_be_checked()  # the teacher's choice, kept
        poppy.get_by_label("Late").check()  # the office is right
        page.get_by_role("button", name="Save register").click()
        expect(page.get_by_role("status")).to_contain_text("Hawthorn AM register saved.")
    codes = dict(Mark.objects.filter(session="AM").values_list("pupil_id", "code"))
    assert len(codes) == 20 and codes[cast.poppy.id] == "L"
    assert sum(1 for p in pupils[1:] if codes[p.id] == "/") == 19
