"""The admin builds next year from the demo school in a browser: calendar, classes, confirm."""

import datetime as dt
import os
import re
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import Page, expect

from attendance.demo import seed_demo
from attendance.demo_plan import plan_demo
from attendance.models import Pupil, RegistrationGroup
from tests.browser.test_sign_in import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LONDON = timezone.get_default_timezone()
# ROLLCALL_SCREENSHOTS=1 refreshes the pictures in docs/.
DOCS = Path(__file__).resolve().parents[2] / "docs" / "img"


def shoot(page: Page, name: str) -> None:
    if os.environ.get("ROLLCALL_SCREENSHOTS"):
        page.screenshot(path=str(DOCS / name), full_page=True)


def test_the_admin_rolls_the_demo_into_next_year(page: Page, live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    now = timezone.now()
    seed_demo(history=False, now=now, password="pw-for-tests-only")
    plan = plan_demo(now, LONDON)
    this_year, next_name = (
        plan.current.name,
        f"{plan.current.end.year}/{str(plan.current.end.year + 1)[-2:]}",
    )
    # The day after the summer term ends, when the office does this work.
    after_term = dt.datetime.combine(
        plan.current.last_day + dt.timedelta(days=1), dt.time(10), LONDON
    )
    with time_machine.travel(after_term, tick=True):
        sign_in(page, live_server.url, "admin")  # with the demo's second factor
        page.get_by_role("link", name="New school year").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("New school year")
        page.get_by_role("link", name=re.compile(r"Set up|Check or change")).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(next_name)
        expect(page.get_by_label("Autumn 1 starts")).to_have_value(f"{plan.current.end.year}-09-01")
        page.get_by_role("button", name=f"Save the calendar of {next_name}").click()
        expect(page.get_by_role("status").first).to_contain_text(
            f"The calendar of {next_name} is saved."
        )

        # A new teacher joins and takes Cedar next year.
        page.get_by_role("link", name="Add a member of staff").click()
        page.get_by_label("First name").fill("Nia")
        page.get_by_label("Last name").fill("Evans")
        page.get_by_label("Username").fill("nia.evans")
        page.get_by_label("Job title").fill("Class teacher")
        page.get_by_label("Teacher", exact=True).check()
        page.get_by_label("Temporary password").fill("plum-kettle-river-42")
        page.get_by_label("The same password again").fill("plum-kettle-river-42")
        page.get_by_role("button", name="Create the account").click()
        expect(page.get_by_role("status").first).to_contain_text("Nia Evans can now sign in")
        page.get_by_role("link", name="New school year").click()

        page.get_by_role("link", name="Plan next year's classes").click()
        cedar = page.locator("tr", has=page.locator("input[value='Cedar']"))
        cedar.locator("summary").click()
        cedar.get_by_label("Lucy Hart").uncheck()
        cedar.get_by_label("Nia Evans").check()
        shoot(page, "new-school-year-classes.png")
        page.get_by_role("button", name="Next: where pupils go").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Where pupils go")
        page.get_by_role("button", name="Next: preview").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Preview")
        expect(page.locator("main")).to_contain_text("60 leave on")
        shoot(page, "new-school-year-preview.png")
        page.get_by_role("button", name=f"Confirm: roll forward into {next_name}").click()
        expect(page.get_by_role("status").first).to_contain_text("Rolled forward")
        shoot(page, "new-school-year.png")

    cedar_next = RegistrationGroup.objects.get(academic_year__name=next_name, name="Cedar")
    assert [t.get_full_name() for t in cedar_next.teachers.all()] == ["Nia Evans"]
    assert set(cedar_next.pupils.values_list("year_group", flat=True)) == {"4"}
    ash = RegistrationGroup.objects.get(academic_year__name=this_year, name="Ash")
    assert cedar_next.pupils.count() == 30 and not ash.pupils.exists()
    leavers = Pupil.objects.filter(
        leaving_date=plan.current.last_day, leaving_reason="End of primary education"
    )
    assert leavers.count() == 60
