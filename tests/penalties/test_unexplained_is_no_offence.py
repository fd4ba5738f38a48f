"""An N (no reason yet) is never an unauthorised-absence offence: the case,
its Notice to Improve and its referral pack count G, O and U only, from one
function, and the pack waits until every N in its window is resolved."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from attendance.errors import RuleError
from penalties import letters, selectors
from penalties.services import check_thresholds
from registers.models import Mark
from registers.services import amend_mark
from tests.registers.conftest import london

pytestmark = pytest.mark.django_db
D = dt.date


def _two_weeks_of_mornings(cast, absent):
    mornings = [D(2026, 11, 2) + dt.timedelta(days=i) for i in (0, 1, 2, 3, 4, 7, 8, 9, 10, 11)]
    absent(cast.poppy, [(d, "AM") for d in mornings], code="O")
    absent(cast.poppy, [(D(2026, 11, 10), "PM")], code="N")
    return check_thresholds(cast.school, D(2026, 11, 13)).opened[0]


def test_the_referral_pack_is_refused_while_an_n_is_in_its_window(cast, absent):
    case = _two_weeks_of_mornings(cast, absent)
    assert selectors.offence_sessions(case) == 10
    with pytest.raises(
        RuleError, match=r"1 session in its window has no reason yet \(N\): Tue 10 Nov PM"
    ):
        letters.referral_pack(case, D(2026, 11, 16), D(2026, 9, 1))
    amend_mark(
        cast.poppy, D(2026, 11, 10), "PM", "O",
        by=cast.arthur, now=london(10, 0, D(2026, 11, 16)), reason="No reason given after calls",
    )  # fmt: skip
    pdf = letters.referral_pack(case, D(2026, 11, 16), D(2026, 9, 1))
    assert pdf.startswith(b"%PDF")


def test_the_case_page_names_the_unresolved_sessions(client, cast, absent):
    case = _two_weeks_of_mornings(cast, absent)
    client.force_login(cast.arthur)
    page = client.get(reverse("penalties:case_detail", args=[case.id])).content.decode()
    assert "1 session in this window has no reason yet (N)" in page and "Tue 10 Nov PM" in page


def test_the_notice_to_improve_counts_what_the_case_counts_not_todays_n(
    client, cast, absent, time_machine
):
    week = [D(2026, 11, 2) + dt.timedelta(days=i) for i in range(5)]
    absent(cast.poppy, [(d, s) for d in week for s in ("AM", "PM")], code="O")
    case = check_thresholds(cast.school, week[-1]).opened[0]
    absent(cast.poppy, [(D(2026, 11, 9), "AM")], code="N")  # this morning, no reason yet
    time_machine.move_to(london(11, 0, D(2026, 11, 9)))
    client.force_login(cast.arthur)
    client.post(
        reverse("penalties:case_notice_to_improve", args=[case.id]),
        {
            "action": "nti",
            "issued_on": "2026-11-09",
            "support_offered": "Breakfast club",
            "improvement_expected": "No unauthorised absence",
        },
    )
    case.refresh_from_db()
    text = PdfReader(io.BytesIO(case.notice_to_improve.letter.open("rb").read())).pages[0]
    assert "has had 10 sessions of unauthorised absence" in text.extract_text()


def test_letters_count_decided_unauthorised_absence_only(cast, absent):
    absent(cast.poppy, [(D(2026, 11, 2), "AM"), (D(2026, 11, 2), "PM")], code="O")
    absent(cast.poppy, [(D(2026, 11, 3), "AM")], code="N")
    values = letters.letter_values(cast.poppy, D(2026, 11, 4), D(2026, 9, 1))
    assert (values["unauthorised"], values["unexplained"], values["absences"]) == (2, 1, 3)
    assert Mark.objects.filter(pupil=cast.poppy).count() == 3
