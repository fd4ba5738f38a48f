"""A hostile preferred name, imported as a school would, then a letter made in the browser."""

import datetime as dt
import io

import pytest
import time_machine
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from attendance.models import Pupil
from tests.browser.test_sign_in import sign_in
from tests.factories import upn_for
from tests.registers.conftest import london

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
HOSTILE = "<link rel=attachment href=pyproject.toml>"


def test_a_letter_for_a_hostile_name_carries_no_file(
    page: Page, live_server, cast, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    csv = tmp_path / "pupils.csv"
    csv.write_text(
        "upn,legal_first_name,legal_surname,preferred_first_name,date_of_birth,sex,"
        "year_group,registration_group,admission_date\n"
        f'{upn_for(901)},Ann,Hacker,"{HOSTILE}",2018-03-01,F,3,Hawthorn,2022-09-01\n'
    )
    with time_machine.travel(london(10, day=dt.date(2026, 11, 26)), tick=True):
        sign_in(page, live_server.url, "olive")
        page.goto(f"{live_server.url}/setup/")
        # The pupils and contacts form: the page has other uploads too.
        form = page.locator("form").filter(has=page.get_by_label("Kind"))
        form.get_by_label("Kind").select_option("pupils")
        form.get_by_label("File").set_input_files(str(csv))
        form.get_by_role("button", name="Import").click()
        expect(page.get_by_role("status").first).to_contain_text("1 created")
        pupil = Pupil.objects.get(legal_surname="Hacker")
        assert pupil.preferred_first_name == HOSTILE

        page.context.clear_cookies()
        sign_in(page, live_server.url, "arthur")
        page.goto(f"{live_server.url}/escalation/pupils/{pupil.id}/")
        expect(page.get_by_role("heading", level=1)).to_contain_text(HOSTILE)
        page.locator("#id_l-kind").select_option("concern")
        page.get_by_role("button", name="Make letter (PDF)").click()
        expect(page.get_by_role("status").first).to_contain_text("Letter made")
        # The letter as the browser gets it (with the officer's session).
        href = page.get_by_role("link", name="letter (PDF)").first.get_attribute("href")
        response = page.request.get(f"{live_server.url}{href}")
        assert response.headers["content-type"] == "application/pdf"
        pdf = response.body()
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.attachments == {}
    text = " ".join(p.extract_text() for p in reader.pages)
    assert HOSTILE in " ".join(text.split())
