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
