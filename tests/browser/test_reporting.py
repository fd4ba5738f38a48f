import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import Page, expect

from registers.models import Mark
from tests import factories
from tests.browser.test_sign_in import sign_in
from tests.factories import PupilFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_governor_opens_the_dashboard_and_sees_the_charts(page: Page, live_server, cast):
    monday = dt.date(2026, 11, 2)
    factories.bulk_create_marks(
        [
            Mark(
                pupil=p,
                date=monday + dt.timedelta(days=d),
                session=s,
                code=c,
                entered_at=timezone.now(),
            )
            # Poppy, Sam and six classmates: a school too small would show no figures.
            for p in [cast.poppy, cast.sam]
            + [PupilFactory(school=cast.school, registration_group=cast.hawthorn) for _ in range(6)]
            for d in range(5)
            for s, c in (("AM", "/"), ("PM", "\\" if d else "I"))
        ]
    )
    with time_machine.travel(
        dt.datetime(2026, 11, 26, 16, 0, tzinfo=ZoneInfo("Europe/London")), tick=True
    ):
        sign_in(page, live_server.url, "gwen")
        expect(page.get_by_role("heading", level=1)).to_contain_text("attendance")
        expect(page.get_by_role("img", name="Attendance week by week")).to_be_visible()
        expect(page.get_by_role("img", name="Attendance by year group")).to_be_visible()
        expect(page.get_by_role("heading", name="Autumn term 2026/27")).to_be_visible()
        assert "Poppy" not in page.content()
