import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from attendance.errors import RuleError
from penalties import framework
from penalties.models import Case, PenaltyNotice
from penalties.selectors import earlier_notices
from penalties.services import (
    check_thresholds,
    close_case,
    issue_notice_to_improve,
    issue_penalty_notice,
    mark_unpaid,
    record_payment,
    refer_to_la,
)
from tests.registers.conftest import london

pytestmark = pytest.mark.django_db
D = dt.date


def breach(cast, absent, pupil, monday, code="G"):
    week = [monday + dt.timedelta(days=i) for i in range(5)]
    absent(pupil, [(d, s) for d in week for s in ("AM", "PM")], code=code)
    return check_thresholds(cast.school, week[-1]).opened[0]


def referred(case, cast):
    return refer_to_la(case, on=case.opened_on, by=cast.arthur, now=london(12))


def test_first_notices_are_per_parent_per_child(cast, absent, parents):
    mia, dev = parents
    poppy_case = referred(breach(cast, absent, cast.poppy, D(2026, 11, 2)), cast)
    sam_case = referred(breach(cast, absent, cast.sam, D(2026, 11, 2)), cast)
    notices = [
        issue_penalty_notice(poppy_case, mia, issued_on=D(2026, 11, 10)),
        issue_penalty_notice(poppy_case, dev, issued_on=D(2026, 11, 10)),
        issue_penalty_notice(sam_case, mia, issued_on=D(2026, 11, 10)),
    ]
    for notice in notices:
        assert (notice.sequence, notice.reduced_amount, notice.full_amount) == (
            1,
            Decimal(80),
            Decimal(160),
        )
        assert (notice.reduced_by, notice.full_by) == (D(2026, 12, 1), D(2026, 12, 8))


def test_a_second_within_three_years_is_160_and_a_third_is_refused(cast, absent, parents):
    mia, _ = parents
    first = referred(breach(cast, absent, cast.poppy, D(2026, 11, 2)), cast)
    n1 = issue_penalty_notice(first, mia, issued_on=D(2026, 11, 10))
    record_payment(n1, paid_on=D(2026, 11, 20), amount=Decimal("80"))
    close_case(first, "Paid", today=D(2026, 11, 20))
    second = referred(breach(cast, absent, cast.poppy, D(2026, 11, 23)), cast)
    n2 = issue_penalty_notice(second, mia, issued_on=D(2026, 12, 1))
    assert (n2.sequence, n2.reduced_amount, n2.full_amount) == (2, None, Decimal(160))
    mark_unpaid(n2, today=D(2026, 12, 30))
    close_case(second, "Unpaid: LA to consider prosecution", today=D(2026, 12, 30))
    third = referred(breach(cast, absent, cast.poppy, D(2027, 1, 4)), cast)
    with pytest.raises(framework.ThirdNoticeError, match="prosecution"):
        issue_penalty_notice(third, mia, issued_on=D(2027, 1, 12))
    # The 3 years run from the first notice's issue (Norfolk): until 10
    # November 2029 both count; from then on the next notice is a first again.
    assert framework.amounts_for([]).sequence == 1
    assert earlier_notices(cast.poppy.id, mia, D(2029, 11, 9)) == [n1, n2]
    assert earlier_notices(cast.poppy.id, mia, D(2029, 11, 10)) == []


def test_payment_must_be_exact_and_on_time(cast, absent, parents):
    mia, _ = parents
    notice = issue_penalty_notice(
        referred(breach(cast, absent, cast.poppy, D(2026, 11, 2)), cast),
        mia,
        issued_on=D(2026, 11, 10),
    )
    with pytest.raises(RuleError) as part:
        record_payment(notice, paid_on=D(2026, 11, 12), amount=Decimal("40"))
    assert str(part.value) == (
        "A penalty notice must be paid in full: £80 is due "
        "(or £160 after 1 December 2026, until 8 December 2026)."
    )
    with pytest.raises(RuleError) as late:
        record_payment(notice, paid_on=D(2026, 12, 2), amount=Decimal("80"))
    assert str(late.value) == (
        "A penalty notice must be paid in full: £160 is due, by 8 December 2026 "
        "(£80 only within 21 days of receipt on 10 November 2026, by 1 December 2026)."
    )
    with pytest.raises(RuleError, match="period has ended"):
        record_payment(notice, paid_on=D(2026, 12, 9), amount=Decimal("160"))
    with pytest.raises(RuleError, match="can be paid until"):
        mark_unpaid(notice, today=D(2026, 12, 8))
    record_payment(notice, paid_on=D(2026, 12, 8), amount=Decimal("160"))
    assert PenaltyNotice.objects.get().status == "paid"


def test_a_non_holiday_case_needs_a_notice_to_improve_first(cast, absent):
    case = breach(cast, absent, cast.poppy, D(2026, 11, 2), code="O")
    with pytest.raises(RuleError, match="Notice to Improve first"):
        refer_to_la(case, on=D(2026, 11, 9), by=cast.arthur, now=london(12))
    nti = issue_notice_to_improve(
        case,
        issued_on=D(2026, 11, 9),
        support_offered="Breakfast club",
        improvement_expected="No unauthorised absence",
        by=cast.arthur,
        now=london(12),
    )
    # 6 school weeks: 9, 16, 23, 30 Nov, 7, 14 Dec.
    assert nti.improvement_ends == D(2026, 12, 18)
    with pytest.raises(RuleError, match="improvement period runs until"):
        refer_to_la(case, on=D(2026, 12, 1), by=cast.arthur, now=london(12))
    refer_to_la(case, on=D(2027, 1, 4), by=cast.arthur, now=london(12))
    case.refresh_from_db()
    assert case.stage == Case.Stage.LA_REFERRAL


def test_a_holiday_case_may_skip_the_notice_to_improve(cast, absent):
    case = breach(cast, absent, cast.poppy, D(2026, 11, 2), code="G")
    refer_to_la(case, on=D(2026, 11, 9), by=cast.arthur, now=london(12))
    assert Case.objects.get().stage == Case.Stage.LA_REFERRAL


def test_the_officer_works_a_case_in_the_browser_pages(client, cast, absent, parents, time_machine):
    case = breach(cast, absent, cast.poppy, D(2026, 11, 2), code="O")
    time_machine.move_to(london(10, 0, D(2026, 11, 9)))
    client.force_login(cast.arthur)
    page = client.get(reverse("penalties:officer_list")).content.decode()
    assert "Poppy Fairweather" in page and "decide on support" in page
    client.post(
        reverse("penalties:case_notice_to_improve", args=[case.id]),
        {
            "action": "nti",
            "issued_on": "2026-11-09",
            "support_offered": "Breakfast club daily",
            "improvement_expected": "No unauthorised absence for six weeks",
        },
    )
    case.refresh_from_db()
    nti = case.notice_to_improve
    text = PdfReader(io.BytesIO(nti.letter.open("rb").read())).pages[0].extract_text()
    assert "Breakfast club daily" in text and "18 December 2026" in text
    time_machine.move_to(london(10, 0, D(2027, 1, 4)))
    client.force_login(cast.arthur)  # a new day, a new sign-in
    response = client.post(reverse("penalties:case_referral", args=[case.id]), {"action": "refer"})
    assert response.status_code == 302, response.content.decode()[-3000:]
    case.refresh_from_db()
    referral = case.interventions.get(kind="referral")
    pack = " ".join(
        p.extract_text() for p in PdfReader(io.BytesIO(referral.letter.open("rb").read())).pages
    )
    assert cast.poppy.upn in pack and "Register extract" in pack and "Mon 02 Nov 2026" in pack
    bad = client.post(
        reverse("penalties:case_penalty_notice", args=[case.id]),
        {"action": "notice", "parent": parents[0].id, "issued_on": "nonsense"},
    )
    assert bad.status_code == 400 and "give a date" in bad.content.decode()


@pytest.mark.parametrize("who", ["alice", "olive", "gwen", "nobody"])
def test_teachers_office_and_governors_do_not_see_cases(client, cast, absent, who):
    case = breach(cast, absent, cast.poppy, D(2026, 11, 2))
    client.force_login(getattr(cast, who))
    for url in [
        reverse("penalties:officer_list"),
        reverse("penalties:case_detail", args=[case.id]),
        reverse("penalties:case_file", args=[cast.poppy.id]),
        reverse("penalties:weekly_review"),
    ]:
        assert client.get(url).status_code == 403, url
