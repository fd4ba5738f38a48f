"""The office imports a SIMS student list on the Setup page, as SIMS exported it."""

import datetime as dt
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import Page, expect

from attendance.models import Pupil
from tests.browser.test_sign_in import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SIMS_SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "samples" / "pupils-sims.csv"


def test_the_sims_sample_imports_and_its_extra_columns_are_listed(page: Page, live_server, cast):
    day = dt.datetime(2026, 12, 3, 10, 0, tzinfo=timezone.get_default_timezone())
    with time_machine.travel(day, tick=True):
        sign_in(page, live_server.url, "adam")
        expect(page.get_by_role("heading", level=1)).to_have_text("Setup: pupils and contacts")
        # The pupils and contacts form: the page has other uploads too.
        form = page.locator("form").filter(has=page.get_by_label("Kind"))
        form.get_by_label("Kind").select_option("pupils")
        form.get_by_label("File").set_input_files(SIMS_SAMPLE)
        form.get_by_role("button", name="Import").click()
        statuses = page.get_by_role("status")
        expect(statuses.first).to_have_text("Imported: 6 created, 0 updated.")
        expect(statuses.nth(1)).to_have_text(
            "Columns not used by Rollcall, so ignored: Adno, Ethnicity, First Language."
        )
    assert Pupil.objects.get(legal_surname="Brennan").registration_group == cast.hawthorn
