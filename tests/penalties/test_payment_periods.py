"""Both payment periods run from the parent's receipt of the notice, not its issue.

Education (Penalty Notices) (England) Regulations 2007 as amended in 2024:
£80 if paid within 21 days of receipt, £160 within 28 days of receipt. LA
codes of conduct: a notice sent by first-class post "is presumed to be served
on the parent to whom it is sent on the second working day after it was
posted"; one handed over is received that day. DfE national framework: part
payments are not accepted.
"""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from attendance.errors import RuleError
from penalties import framework
from penalties.models import PenaltyNotice
from penalties.services import check_thresholds, issue_penalty_notice, record_payment, refer_to_la
from tests.factories import ContactFactory, PupilContactFactory
from tests.registers.conftest import london

pytestmark = pytest.mark.django_db
D = dt.date
POSTED = D(2027, 4, 29)  # a Thursday; Monday 3 May 2027 is the early May bank holiday
RECEIVED = D(2027, 5, 4)  # Tuesday


@pytest.fixture
def mia(cast):
    mia = ContactFactory(school=cast.school, first_name="Mia", last_name="Fairweather")
    PupilContactFactory(pupil=cast.poppy, contact=mia, relationship="mother")
    return mia


@pytest.fixture
def case(cast, absent):
    week = [D(2026, 11, 2) + dt.timedelta(days=i) for i in range(5)]
    absent(cast.poppy, [(d, s) for d in week for s in ("AM", "PM")], code="G")
    opened = check_thresholds(cast.school, week[-1]).opened[0]
    return refer_to_la(opened, on=opened.opened_on, by=cast.arthur, now=london(12))


@pytest.fixture
def posted(case, mia):
    return issue_penalty_notice(case, mia, issued_on=POSTED, service="post", served_on=POSTED)


def test_posted_on_a_thursday_before_a_bank_holiday_monday_is_received_on_tuesday():
    """LA codes of conduct: deemed received on the second working day after
    posting; a working day is Monday to Friday, not a bank holiday in England."""
    assert framework.received_on(POSTED, by_post=True) == RECEIVED
    # Posted on a Monday of the school holidays: they are working days.
    assert framework.received_on(D(2026, 8, 10), by_post=True) == D(2026, 8, 12)


def test_the_working_days_to_deemed_receipt_are_a_setting(settings):
    """LA codes of conduct set the day; Rollcall follows the second by default."""
    settings.PENALTY_POSTED_RECEIVED_WORKING_DAYS = 1
    assert framework.received_on(POSTED, by_post=True) == D(2027, 4, 30)


def test_both_periods_run_from_deemed_receipt(posted):
    """Regulations as amended 2024: 21 and 28 days of receipt, not of issue."""
    assert (posted.issued_on, posted.served_on, posted.received_on) == (POSTED, POSTED, RECEIVED)
    assert (posted.reduced_by, posted.full_by) == (D(2027, 5, 25), D(2027, 6, 1))


def test_a_notice_handed_over_is_received_that_day(case, mia):
    """LA codes of conduct: a notice given to the parent is received that day."""
    notice = issue_penalty_notice(
        case, mia, issued_on=D(2026, 11, 10), service="hand", served_on=D(2026, 11, 12)
    )
    assert notice.received_on == D(2026, 11, 12)
    assert (notice.reduced_by, notice.full_by) == (D(2026, 12, 3), D(2026, 12, 10))


def test_a_notice_is_not_served_before_it_is_issued(case, mia):
    with pytest.raises(RuleError, match="on or after its issue"):
        issue_penalty_notice(
            case, mia, issued_on=D(2026, 11, 10), service="post", served_on=D(2026, 11, 9)
        )
    with pytest.raises(RuleError, match="by hand or by first-class post"):
        issue_penalty_notice(case, mia, issued_on=D(2026, 11, 10), service="email")


def test_80_on_the_21st_day_after_receipt_is_accepted(posted):
    """Regulations as amended 2024: £80 if paid within 21 days of receipt."""
    record_payment(posted, paid_on=D(2027, 5, 25), amount=Decimal("80"))
    posted.refresh_from_db()
    assert (posted.status, posted.paid_amount) == ("paid", Decimal("80"))


def test_80_on_the_22nd_day_is_refused_and_160_is_due(posted):
    """Regulations as amended 2024: after 21 days of receipt the notice is £160
    (within 28); the reduced amount is not accepted late."""
    with pytest.raises(RuleError) as late:
        record_payment(posted, paid_on=D(2027, 5, 26), amount=Decimal("80"))
    assert str(late.value) == (
        "A penalty notice must be paid in full: £160 is due, by 1 June 2027 "
        "(£80 only within 21 days of receipt on 4 May 2027, by 25 May 2027)."
    )
    record_payment(posted, paid_on=D(2027, 5, 26), amount=Decimal("160"))
    assert PenaltyNotice.objects.get().status == "paid"


def test_a_part_payment_is_refused(posted):
    """DfE national framework: part payments are not accepted."""
    for paid_on, amount in [
        (D(2027, 5, 10), "40"),
        (D(2027, 5, 28), "80"),
        (D(2027, 5, 28), "100"),
    ]:
        with pytest.raises(RuleError, match="must be paid in full"):
            record_payment(posted, paid_on=paid_on, amount=Decimal(amount))
    with pytest.raises(RuleError, match="period has ended"):
        record_payment(posted, paid_on=D(2027, 6, 2), amount=Decimal("160"))
    assert PenaltyNotice.objects.get().status == "issued"


def test_the_case_page_and_the_letter_show_issue_service_and_due_dates(
    client, cast, case, mia, time_machine
):
    time_machine.move_to(london(10, 0, POSTED))
    client.force_login(cast.arthur)
    url = reverse("penalties:case_detail", args=[case.id])
    response = client.post(
        reverse("penalties:case_penalty_notice", args=[case.id]),
        {"action": "notice", "parent": mia.id, "issued_on": "2027-04-29",
         "service": "post", "served_on": "2027-04-29", "reference": "PN-77"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[-2000:]
    page = client.get(url).content.decode()
    assert "By first-class post, 29 Apr 2027" in page
    assert "4 May 2027 (deemed)" in page
    assert "£80 by 25 May 2027, then £160 by 1 Jun 2027" in page
    notice = PenaltyNotice.objects.get()
    assert reverse("penalties:notice_letter", args=[case.id, notice.id]) in page
    letter = client.get(reverse("penalties:notice_letter", args=[case.id, notice.id]))
    text = " ".join(
        p.extract_text() for p in PdfReader(io.BytesIO(b"".join(letter.streaming_content))).pages
    )
    squashed = "".join(text.split())  # the PDF's text is kerned ("T uesday")
    assert "Issued29April2027" in squashed
    assert "ServedByfirst-classpost,29April2027" in squashed
    assert "ReceivedTuesday4May2027" in squashed
    assert "Pay£80byTuesday25May2027" in squashed and "byTuesday1June2027" in squashed
    assert "PN-77" in squashed and "Partpaymentsarenotaccepted" in squashed


def test_the_case_page_asks_how_the_notice_was_served(client, cast, case, mia):
    client.force_login(cast.arthur)
    response = client.post(
        reverse("penalties:case_penalty_notice", args=[case.id]),
        {"action": "notice", "parent": mia.id, "issued_on": "2026-11-10"},
    )
    assert response.status_code == 400
    assert "Say how the notice was served" in response.content.decode()
    assert not PenaltyNotice.objects.exists()
