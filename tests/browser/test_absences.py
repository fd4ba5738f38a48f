import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import Page, expect

from absences.models import AbsenceReport, LeaveRequest
from absences.services import submit_leave_request
from registers.models import Mark
from tests.browser.test_sign_in import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LONDON = ZoneInfo("Europe/London")


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_the_office_logs_a_parents_call(page: Page, live_server, cast):
    with time_machine.travel(dt.datetime(2026, 11, 26, 8, 20, tzinfo=LONDON), tick=True):
        sign_in(page, live_server.url, "olive")
        page.get_by_role("link", name="Log absence").click()
        page.get_by_label("Find the pupil").fill("Poppy")
        page.get_by_label("Find the pupil").press("Enter")
        page.get_by_role("link", name="Poppy Fairweather").click()
        page.get_by_label("Who called").fill("Mia Fairweather (mum)")
        page.get_by_label("Reason").select_option("illness")
        page.get_by_label("Details").fill("Sickness bug overnight")
        page.get_by_role("button", name="Log absence").click()
        expect(page.get_by_role("status")).to_contain_text("Absence logged for Poppy Fairweather")
        expect(page.get_by_role("row").filter(has_text="Sickness bug overnight")).to_be_visible()
    assert AbsenceReport.objects.get().logged_by == cast.olive
    assert set(Mark.objects.filter(pupil=cast.poppy).values_list("code", flat=True)) == {"I"}


def test_the_head_decides_a_leave_request_and_the_letter_is_made(page: Page, live_server, cast):
    leave = submit_leave_request(
        cast.poppy, now=dt.datetime(2026, 11, 20, 10, tzinfo=LONDON), via="office", by=cast.olive,
        parent_names="Mia Fairweather", relationship="Mother", phone="", email="mia@example.org",
        address="1 Orchard Way", siblings="", first_day=dt.date(2027, 1, 11),
        last_day=dt.date(2027, 1, 15), expected_return=dt.date(2027, 1, 18),
        reason="Grandmother's funeral abroad", evidence_note="", declaration=True,
    )  # fmt: skip
    with time_machine.travel(dt.datetime(2026, 11, 26, 16, 0, tzinfo=LONDON), tick=True):
        sign_in(page, live_server.url, "helen")
        page.goto(f"{live_server.url}/absences/leave/{leave.id}/")
        for day in ("Monday 11 January 2027", "Tuesday 12 January 2027", "Friday 15 January 2027"):
            page.get_by_label(day).check()
        page.get_by_label("Reason (goes in the letter)").fill("Granted for the funeral and travel.")
        page.get_by_role("button", name="Save decision and send letter").click()
        expect(page.get_by_role("status")).to_contain_text(
            "the letter was emailed to mia@example.org"
        )
        expect(page.get_by_text("Granted in part")).to_be_visible()
        with page.expect_download() as download:
            page.get_by_role("link", name="Decision letter (PDF)").click(modifiers=["Alt"])
        assert download.value.suggested_filename.endswith(".pdf")
    leave.refresh_from_db()
    assert (leave.status, leave.days_granted) == (LeaveRequest.Status.PART_GRANTED, 3)
    assert leave.granted_dates == [dt.date(2027, 1, 11), dt.date(2027, 1, 12), dt.date(2027, 1, 15)]
