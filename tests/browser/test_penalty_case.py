"""The attendance officer records a penalty notice served by post over
Christmas to a step-parent with care of the child, and reads the dates back on
the case page and in the notice letter.

Sources: s.576 Education Act 1996 (a parent includes whoever has care of the
child); DfE national framework (Aug 2024): £80 within 21 days of receipt, £160
within 28; LA codes of conduct: a posted notice is received on the second
working day after posting (Christmas Day and the Boxing Day substitute, Monday
28 December 2026, are bank holidays).
"""

import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from attendance.models import PupilContact
from penalties.models import PenaltyNotice
from penalties.services import check_thresholds, refer_to_la
from registers.models import Mark
from tests.browser.test_new_year import shoot
from tests.browser.test_sign_in import sign_in
from tests.factories import ContactFactory, PupilContactFactory, bulk_create_marks
from tests.registers.conftest import london

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
D = dt.date


def test_a_notice_posted_on_christmas_eve_to_a_step_parent(
    page: Page, live_server, cast, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    mia = ContactFactory(school=cast.school, first_name="Mia", last_name="Fairweather")
    sol = ContactFactory(school=cast.school, first_name="Sol", last_name="Reyes")
    PupilContactFactory(pupil=cast.poppy, contact=mia, relationship="mother")
    PupilContactFactory(
        pupil=cast.poppy, contact=sol, relationship="step_parent",
        parent_ground=PupilContact.ParentGround.CARE, priority=2,
    )  # fmt: skip
    week = [D(2026, 11, 2) + dt.timedelta(days=i) for i in range(5)]
    bulk_create_marks(
        [
            Mark(pupil=cast.poppy, date=d, session=s, code="G", source="office",
                 entered_at=london(9, 30, d))
            for d in week for s in ("AM", "PM")
        ]
    )  # fmt: skip
    case = check_thresholds(cast.school, week[-1]).opened[0]
    refer_to_la(case, on=D(2026, 11, 9), by=cast.arthur, now=london(12, 0, D(2026, 11, 9)))
    with time_machine.travel(london(10, 0, D(2026, 12, 24)), tick=True):
        sign_in(page, live_server.url, "arthur")
        page.goto(live_server.url + reverse("penalties:case_detail", args=[case.id]))
        expect(page.get_by_role("heading", name="Parents")).to_be_visible()
        expect(page.locator("main")).to_contain_text("Sol Reyes (step-parent): Care of the child")
        page.get_by_label("Parent").select_option(
            label="Sol Reyes (step-parent: care of the child)"
        )
        page.get_by_label("Issued on").fill("2026-12-23")
        page.get_by_label("Served").select_option(label="By first-class post")
        page.get_by_label("Handed over or posted on").fill("2026-12-24")
        page.get_by_role("button", name="Record notice").click()
        row = page.get_by_role("row").filter(has_text="Sol Reyes")
        expect(row).to_contain_text("By first-class post, 24 Dec 2026")
        expect(row).to_contain_text("30 Dec 2026 (deemed)")
        expect(row).to_contain_text("£80 by 20 Jan 2027, then £160 by 27 Jan 2027")
        expect(page.locator("main")).to_contain_text("Sol Reyes: counted: 23 Dec 2026")
        shoot(page, "case.png")
    notice = PenaltyNotice.objects.get(parent=sol)
    assert (notice.received_on, notice.reduced_by, notice.full_by) == (
        D(2026, 12, 30),
        D(2027, 1, 20),
        D(2027, 1, 27),
    )
    text = " ".join(
        p.extract_text() for p in PdfReader(io.BytesIO(notice.letter.open("rb").read())).pages
    )
    for expected in (
        "23 December 2026",
        "24 December 2026",
        "30 December 2026",
        "20 January 2027",
        "27 January 2027",
        "Sol Reyes",
    ):
        assert expected in text, expected
