import datetime as dt
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from penalties.bands import band_for
from penalties.early_warning import outlooks
from penalties.models import Intervention, LetterTemplate
from registers.models import Mark
from tests import factories
from tests.registers.conftest import london

pytestmark = pytest.mark.django_db
D = dt.date


def test_bands_follow_the_policy_table():
    assert band_for(99.5).key == "excellent"
    assert band_for(96.0).key == "good"
    assert band_for(93.0).key == "concern"
    assert band_for(89.9).key == "persistent"
    assert band_for(49.9).key == "severe"
    assert band_for(None) is None


def test_room_to_spare_before_persistent_absence(cast, absent):
    # Term so far (2 Nov - 26 Nov: 19 days = 38 sessions), 3 absences.
    days = [
        D(2026, 11, 2) + dt.timedelta(days=i)
        for i in range(25)
        if (D(2026, 11, 2) + dt.timedelta(days=i)).weekday() < 5
    ]
    absent(cast.poppy, [(d, s) for d in days for s in ("AM", "PM")], code="/")
    factories.recode_marks(
        Mark.objects.filter(pupil=cast.poppy, date__in=days[:3], session="AM"), "I"
    )
    year = cast.school.academic_years.get(name="2026/27")
    outlook = outlooks(cast.school, year, D(2026, 11, 26), [cast.poppy])[0]
    assert outlook.figures.possible == 38
    # 38 so far + remaining sessions to 21 July; 10% of that, less the 3 missed.
    from attendance.school_calendar import SchoolCalendar

    remaining = len(SchoolCalendar(cast.school).sessions(D(2026, 11, 27), D(2027, 8, 31)))
    assert outlook.can_miss == (38 + remaining - 1) // 10 - 3
    assert not outlook.at_risk


def test_a_pupil_missing_a_lot_lately_is_at_risk(cast, absent):
    term = [D(2026, 9, 3) + dt.timedelta(days=i) for i in range(85)]
    days = [d for d in term if d.weekday() < 5 and not D(2026, 10, 24) <= d <= D(2026, 11, 1)]
    absent(cast.poppy, [(d, s) for d in days for s in ("AM", "PM")], code="/")
    # Three days off in the last fortnight: fine so far (5%), heading for 12%.
    factories.recode_marks(Mark.objects.filter(pupil=cast.poppy, date__in=days[-8:-5]), "I")
    year = cast.school.academic_years.get(name="2026/27")
    outlook = outlooks(cast.school, year, D(2026, 11, 26), [cast.poppy])[0]
    assert outlook.at_risk and not outlook.figures.persistently_absent


def test_letters_use_the_schools_own_wording_and_are_filed(client, cast, time_machine):
    time_machine.move_to(london(10, 0))
    client.force_login(cast.arthur)
    client.post(
        reverse("penalties:letter_template", args=["concern"]),
        {
            "subject": "About {{ pupil_first_name }}",
            "body": "Dear family, {{ pupil_first_name }} matters to us.",
        },
    )
    bad = client.post(
        reverse("penalties:letter_template", args=["concern"]),
        {"subject": "x", "body": "{{ pupil_name|nosuchfilter }}"},
    )
    assert bad.status_code == 400
    assert LetterTemplate.objects.get(kind="concern").subject == "About {{ pupil_first_name }}"
    client.post(
        reverse("penalties:case_file", args=[cast.poppy.id]),
        {"action": "letter", "l-kind": "concern"},
    )
    letter = Intervention.objects.get()
    text = PdfReader(io.BytesIO(letter.letter.open("rb").read())).pages[0].extract_text()
    assert "About Poppy" in text and "Poppy matters to us." in text
    page = client.get(reverse("penalties:case_file", args=[cast.poppy.id])).content.decode()
    assert "Attendance concern letter" in page


def test_a_meeting_invitation_needs_its_date(client, cast):
    client.force_login(cast.arthur)
    response = client.post(
        reverse("penalties:case_file", args=[cast.poppy.id]),
        {"action": "letter", "l-kind": "meeting"},
    )
    assert response.status_code == 400
    assert "Give the meeting date" in response.content.decode()
    assert not Intervention.objects.exists()


def test_interventions_are_listed_newest_first(client, cast, time_machine):
    time_machine.move_to(london(10, 0))
    client.force_login(cast.arthur)
    for day, summary in [
        ("2026-10-01", "Early intervention meeting"),
        ("2026-11-20", "Family support referral"),
    ]:
        client.post(
            reverse("penalties:case_file", args=[cast.poppy.id]),
            {"action": "intervention", "i-kind": "meeting", "i-date": day, "i-summary": summary},
        )
    page = client.get(reverse("penalties:case_file", args=[cast.poppy.id])).content.decode()
    assert page.index("Family support referral") < page.index("Early intervention meeting")


def test_the_weekly_review_lists_who_is_at_risk(client, cast, absent, time_machine):
    term = [D(2026, 9, 3) + dt.timedelta(days=i) for i in range(85)]
    days = [d for d in term if d.weekday() < 5 and not D(2026, 10, 24) <= d <= D(2026, 11, 1)]
    absent(cast.poppy, [(d, s) for d in days for s in ("AM", "PM")], code="/")
    # Three days off in the last fortnight: fine so far (5%), heading for 12%.
    factories.recode_marks(Mark.objects.filter(pupil=cast.poppy, date__in=days[-8:-5]), "I")
    time_machine.move_to(london(16, 0))
    client.force_login(cast.helen)
    page = client.get(reverse("penalties:weekly_review")).content.decode()
    assert "At risk of persistent absence (1)" in page and "Poppy Fairweather" in page
