"""The referral to the LA: offered only once a Notice to Improve's period is
over, and named for what it is in the pack and the case file."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from attendance.errors import RuleError
from penalties.models import Intervention
from penalties.services import check_thresholds, issue_notice_to_improve, refer_to_la
from tests.registers.conftest import london

pytestmark = pytest.mark.django_db
D = dt.date


def case_with_notice(cast, absent):
    week = [D(2026, 11, 2) + dt.timedelta(days=i) for i in range(5)]
    absent(cast.poppy, [(d, s) for d in week for s in ("AM", "PM")], code="O")
    case = check_thresholds(cast.school, week[-1]).opened[0]
    issue_notice_to_improve(
        case,
        issued_on=D(2026, 11, 9),
        support_offered="Breakfast club",
        improvement_expected="No unauthorised absence",
        by=cast.arthur,
        now=london(12, 0, D(2026, 11, 9)),
    )
    return case  # the improvement period ends on Friday 18 December 2026


def test_during_the_improvement_period_the_page_shows_when_referral_is_possible(
    client, cast, absent, time_machine
):
    case = case_with_notice(cast, absent)
    time_machine.move_to(london(10, 0, D(2026, 12, 1)))
    client.force_login(cast.arthur)
    page = client.get(reverse("penalties:case_detail", args=[case.id])).content.decode()
    assert "can be referred to the LA from <strong>Saturday 19 December 2026</strong>" in page
    assert "Refer and make the referral pack" not in page
    time_machine.move_to(london(10, 0, D(2026, 12, 19)))
    client.force_login(cast.arthur)
    page = client.get(reverse("penalties:case_detail", args=[case.id])).content.decode()
    assert "Refer and make the referral pack" in page


def test_the_service_refuses_with_the_same_date(cast, absent):
    case = case_with_notice(cast, absent)
    with pytest.raises(RuleError, match="referred to the LA from Saturday 19 December 2026"):
        refer_to_la(case, on=D(2026, 12, 18), by=cast.arthur, now=london(12, 0, D(2026, 12, 18)))
    refer_to_la(case, on=D(2026, 12, 19), by=cast.arthur, now=london(12, 0, D(2026, 12, 19)))


def test_the_pack_names_the_referral_to_the_la_for_a_penalty_notice(
    client, cast, absent, time_machine
):
    case = case_with_notice(cast, absent)
    time_machine.move_to(london(10, 0, D(2027, 1, 4)))
    client.force_login(cast.arthur)
    client.post(
        reverse("penalties:case_file", args=[cast.poppy.id]),
        {"action": "intervention", "i-kind": "referral", "i-date": "2026-11-20",
         "i-summary": "Referred to the family support team"},
    )  # fmt: skip
    response = client.post(reverse("penalties:case_referral", args=[case.id]), {"action": "refer"})
    assert response.status_code == 302, response.content.decode()[-2000:]
    referral = case.interventions.get(summary="Referred to the LA for a penalty notice")
    pack = " ".join(
        p.extract_text() for p in PdfReader(io.BytesIO(referral.letter.open("rb").read())).pages
    )
    squashed = "".join(pack.split())  # the PDF's text wraps inside the table's cells
    assert "ReferraltotheLAforapenaltynotice" in squashed
    # Only the family-support referral is called one.
    assert squashed.count("earlyhelp") == 1
    page = client.get(reverse("penalties:case_file", args=[cast.poppy.id])).content.decode()
    assert "Referral to the LA for a penalty notice" in page
    assert "Referral (family support, early help)" in page
    family_support = Intervention.objects.get(summary="Referred to the family support team")
    assert family_support.label == "Referral (family support, early help)"
