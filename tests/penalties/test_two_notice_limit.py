"""The limit of two penalty notices per parent per child in three years.

Education (Penalty Notices) (England) Regulations 2007 as amended in 2024 and
the DfE national framework: a second notice to the same parent for the same
child within 3 years of the first is £160 within 28 days, with no reduction; a
third cannot be issued within 3 years of the date of issue of the first.
Norfolk: "This period will start from the issue of the 1st penalty notice."
LA codes of conduct: earlier notices count whether paid or not, but a
withdrawn notice does not count.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.urls import reverse

from penalties import framework, selectors
from penalties.models import PenaltyNotice
from penalties.services import (
    check_thresholds,
    close_case,
    issue_penalty_notice,
    mark_unpaid,
    record_payment,
    refer_to_la,
    withdraw_notice,
)
from tests.registers.conftest import london

pytestmark = pytest.mark.django_db
D = dt.date


def referred_case(cast, absent, pupil, monday):
    week = [monday + dt.timedelta(days=i) for i in range(5)]
    absent(pupil, [(d, s) for d in week for s in ("AM", "PM")], code="G")
    case = check_thresholds(cast.school, week[-1]).opened[0]
    return refer_to_la(case, on=case.opened_on, by=cast.arthur, now=london(12))


@pytest.fixture
def two_notices_to_mia(cast, absent, parents):
    """Mia's notices for Poppy: the first paid, the second unpaid."""
    mia, _ = parents
    first = referred_case(cast, absent, cast.poppy, D(2026, 11, 2))
    n1 = issue_penalty_notice(first, mia, issued_on=D(2026, 11, 10), reference="PN-1")
    record_payment(n1, paid_on=D(2026, 11, 20), amount=Decimal("80"))
    close_case(first, "Paid", today=D(2026, 11, 20))
    second = referred_case(cast, absent, cast.poppy, D(2026, 11, 23))
    n2 = issue_penalty_notice(second, mia, issued_on=D(2026, 12, 1), reference="PN-2")
    mark_unpaid(n2, today=D(2026, 12, 30))
    close_case(second, "Unpaid: LA to consider prosecution", today=D(2026, 12, 30))
    return n1, n2


def test_a_withdrawn_notice_does_not_count(cast, absent, parents):
    """LA codes of conduct: previous notices "include those not paid ... but
    not those which were withdrawn"."""
    mia, _ = parents
    first = referred_case(cast, absent, cast.poppy, D(2026, 11, 2))
    withdraw_notice(issue_penalty_notice(first, mia, issued_on=D(2026, 11, 10)))
    close_case(first, "Notice withdrawn by the LA", today=D(2026, 11, 20))
    second = referred_case(cast, absent, cast.poppy, D(2026, 11, 23))
    again = issue_penalty_notice(second, mia, issued_on=D(2026, 12, 1))
    assert (again.sequence, again.reduced_amount, again.full_amount) == (
        1,
        Decimal(80),
        Decimal(160),
    )
    assert selectors.notice_rests_on(again) == []


def test_a_second_notice_is_160_flat_within_28_days(two_notices_to_mia):
    """Regulations as amended 2024 / DfE national framework: the second notice
    within 3 years of the first is £160, paid within 28 days, no reduction."""
    n1, n2 = two_notices_to_mia
    assert (n2.sequence, n2.reduced_amount, n2.reduced_by) == (2, None, None)
    assert (n2.full_amount, n2.full_by) == (Decimal(160), D(2026, 12, 29))
    assert selectors.notice_rests_on(n2) == [n1]


def test_a_third_within_three_years_is_refused_naming_the_earlier_two(
    cast, absent, parents, two_notices_to_mia
):
    """Regulations as amended 2024 / DfE national framework: a third notice
    cannot be issued within 3 years of the date of issue of the first."""
    mia, _ = parents
    third = referred_case(cast, absent, cast.poppy, D(2027, 1, 4))
    with pytest.raises(framework.ThirdNoticeError) as refused:
        issue_penalty_notice(third, mia, issued_on=D(2027, 1, 12))
    assert str(refused.value) == (
        "This parent has had two penalty notices for this child within three years of the "
        "first (issued 10 November 2026 and 1 December 2026): a third cannot be issued before "
        "10 November 2029. Consider prosecution (s.444 Education Act 1996), an education "
        "supervision order or an attendance order."
    )
    assert PenaltyNotice.objects.filter(case=third).count() == 0


def test_the_limit_is_per_parent_and_per_child(cast, absent, parents, two_notices_to_mia):
    """DfE national framework: notices are per parent, per child."""
    mia, dev = parents
    third = referred_case(cast, absent, cast.poppy, D(2027, 1, 4))
    assert issue_penalty_notice(third, dev, issued_on=D(2027, 1, 12)).sequence == 1
    sams = referred_case(cast, absent, cast.sam, D(2027, 1, 4))
    assert issue_penalty_notice(sams, mia, issued_on=D(2027, 1, 12)).sequence == 1


@dataclass
class Earlier:
    issued_on: dt.date
    withdrawn: bool = False


def test_the_three_years_start_from_the_issue_of_the_first():
    """Norfolk: "This period will start from the issue of the 1st penalty
    notice." Once 3 years from the first have passed the next is a first
    again, even though the second is less than 3 years old."""
    first, second = Earlier(D(2026, 11, 10)), Earlier(D(2028, 6, 1))
    counted = framework.notices_counted_toward_limit
    assert counted([first, second], D(2029, 11, 9)) == [first, second]
    assert counted([first, second], D(2029, 11, 10)) == []
    assert framework.amounts_for(counted([first, second], D(2029, 11, 10))).sequence == 1
    # A withdrawn first does not start the period: the second does.
    assert counted([Earlier(D(2026, 11, 10), withdrawn=True), second], D(2029, 11, 10)) == [second]
    # A first issued on 29 February: the 3 years run to the end of 28 February.
    leap = Earlier(D(2028, 2, 29))
    assert counted([leap], D(2031, 2, 28)) == [leap]
    assert counted([leap], D(2031, 3, 1)) == []


def test_the_case_page_shows_the_notices_the_count_rests_on(
    client, cast, absent, parents, two_notices_to_mia, time_machine
):
    third = referred_case(cast, absent, cast.poppy, D(2027, 1, 4))
    time_machine.move_to(london(10, 0, D(2027, 1, 12)))
    client.force_login(cast.arthur)
    page = client.get(reverse("penalties:case_detail", args=[third.id])).content.decode()
    assert (
        "Mia Fairweather: counted: 10 Nov 2026 (paid, PN-1), 1 Dec 2026 (unpaid (period "
        "expired), PN-2)."
    ) in page
    assert "<strong>A third cannot be issued before 10 November 2029</strong>" in page
    assert "Dev Fairweather: no notice counts." in page
    assert "A notice issued today would be the 1st: £80 within 21 days of receipt" in page
    # The second case's notice names the one it was counted on.
    second = two_notices_to_mia[1].case
    page = client.get(reverse("penalties:case_detail", args=[second.id])).content.decode()
    assert "<td>10 Nov 2026 (paid)</td>" in page
