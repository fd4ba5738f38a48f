"""The threshold is re-checked at every step of a case.

DfE national framework: a penalty notice is considered on 10 sessions of
unauthorised absence (G, O, U) within 10 school weeks. Marks can be amended
after a case opens (a hospital letter arrives, U becomes I), so before a Notice
to Improve, the referral to the LA and each penalty notice the case's sessions
are counted again on the marks as they stand. Below the threshold the step is
refused, naming the amendments that did it, and the officer withdraws or
closes the case; if it had gone to the LA, recording when the LA was told
(the LA acted on the referral, so it must hear that the case no longer stands).
"""

import datetime as dt

import pytest
from django.urls import reverse

from attendance.errors import RuleError
from penalties.models import Case, PenaltyNotice
from penalties.services import (
    ThresholdNoLongerMet,
    check_thresholds,
    close_case,
    issue_notice_to_improve,
    issue_penalty_notice,
    refer_to_la,
    withdraw_case,
)
from registers.services import amend_mark
from tests.factories import ContactFactory, PupilContactFactory
from tests.registers.conftest import london

pytestmark = pytest.mark.django_db
D = dt.date
WEEK = [D(2026, 11, 2) + dt.timedelta(days=i) for i in range(5)]
AMENDED = london(9, 30, D(2026, 11, 9))


@pytest.fixture
def case(cast, absent):
    """Ten sessions of U in the week of 2 November: the case opens that Friday."""
    absent(cast.poppy, [(d, s) for d in WEEK for s in ("AM", "PM")], code="U")
    return check_thresholds(cast.school, WEEK[-1]).opened[0]


@pytest.fixture
def mia(cast):
    mia = ContactFactory(school=cast.school, first_name="Mia", last_name="Fairweather")
    PupilContactFactory(pupil=cast.poppy, contact=mia, relationship="mother")
    return mia


def hospital_letter(cast, sessions=(("AM",), ("PM",))):
    """The hospital's letter arrives: Monday 2 November was illness, not truancy."""
    for (session,) in sessions:
        amend_mark(
            cast.poppy, WEEK[0], session, "I",
            by=cast.helen, now=AMENDED, reason="Hospital letter: A&E visit",
        )  # fmt: skip


def nti(case, cast):
    return issue_notice_to_improve(
        case, issued_on=D(2026, 11, 9), support_offered="Breakfast club",
        improvement_expected="No unauthorised absence", by=cast.arthur,
        now=london(12, 0, D(2026, 11, 9)),
    )  # fmt: skip


def test_a_notice_to_improve_is_refused_naming_the_amendments(cast, case):
    hospital_letter(cast)
    with pytest.raises(ThresholdNoLongerMet) as refused:
        nti(case, cast)
    message = str(refused.value)
    assert message.startswith(
        "The threshold is no longer met, so a Notice to Improve cannot be issued: 8 of the "
        "case's 10 sessions still count (G, O or U), fewer than 10. Amended since the case "
        "opened: Mon 2 Nov 2026 AM U→I by "
    )
    assert message.count("on 9 Nov 2026 09:30: “Hospital letter: A&E visit”") == 2
    assert "Mon 2 Nov 2026 PM U→I" in message
    assert message.endswith("Withdraw the case, or close it with its outcome.")
    assert not hasattr(Case.objects.get(), "notice_to_improve")


def test_the_referral_is_refused_after_the_improvement_period(cast, case):
    nti(case, cast)
    hospital_letter(cast, sessions=(("AM",),))  # one is enough: 9 of 10
    with pytest.raises(ThresholdNoLongerMet, match="so the case cannot be referred to the LA: 9"):
        refer_to_la(case, on=D(2027, 1, 4), by=cast.arthur, now=london(12, 0, D(2027, 1, 4)))
    assert Case.objects.get().stage == Case.Stage.NOTICE_TO_IMPROVE


def test_a_penalty_notice_is_refused_and_the_la_must_be_told(cast, case, mia):
    refer_to_la(case, on=WEEK[-1], reason_no_nti="Support declined", by=cast.arthur,
                now=london(12, 0, WEEK[-1]))  # fmt: skip
    hospital_letter(cast)
    with pytest.raises(ThresholdNoLongerMet) as refused:
        issue_penalty_notice(case, mia, issued_on=D(2026, 11, 10))
    assert "so a penalty notice cannot be recorded: 8 of" in str(refused.value)
    assert str(refused.value).endswith(
        "Withdraw the case, or close it with its outcome, recording when the LA was told."
    )
    assert not PenaltyNotice.objects.exists()


def test_withdrawing_a_referred_case_records_when_the_la_was_told(cast, case):
    refer_to_la(case, on=WEEK[-1], reason_no_nti="Support declined", by=cast.arthur,
                now=london(12, 0, WEEK[-1]))  # fmt: skip
    hospital_letter(cast)
    with pytest.raises(RuleError, match="record the day the LA was told"):
        withdraw_case(case, today=D(2026, 11, 10))
    with pytest.raises(RuleError, match="cannot be in the future"):
        withdraw_case(case, today=D(2026, 11, 10), la_told_on=D(2026, 11, 11))
    withdraw_case(case, today=D(2026, 11, 10), la_told_on=D(2026, 11, 10))
    case.refresh_from_db()
    assert (case.stage, case.void, case.la_told_on) == (Case.Stage.CLOSED, True, D(2026, 11, 10))
    assert case.outcome == "Breach withdrawn: marks amended (8 threshold sessions remain)"


def test_closing_a_referred_case_below_the_threshold_records_when_the_la_was_told(cast, case):
    refer_to_la(case, on=WEEK[-1], reason_no_nti="Support declined", by=cast.arthur,
                now=london(12, 0, WEEK[-1]))  # fmt: skip
    hospital_letter(cast)
    with pytest.raises(RuleError, match="record the day the LA was told"):
        close_case(case, "Ill, not truanting", today=D(2026, 11, 10))
    close_case(case, "Ill, not truanting", today=D(2026, 11, 10), la_told_on=D(2026, 11, 9))
    case.refresh_from_db()
    assert (case.stage, case.void, case.la_told_on) == (Case.Stage.CLOSED, False, D(2026, 11, 9))


def test_a_case_never_referred_is_withdrawn_without_telling_the_la(cast, case):
    assert case.stage == Case.Stage.THRESHOLD_MET  # the nightly job would void it too
    hospital_letter(cast)
    withdraw_case(case, today=D(2026, 11, 10))
    case.refresh_from_db()
    assert (case.void, case.la_told_on) == (True, None)


def test_a_case_still_over_the_threshold_is_not_withdrawn(cast, case):
    with pytest.raises(RuleError, match="threshold is still met"):
        withdraw_case(case, today=D(2026, 11, 10))


def test_the_case_page_names_the_amendments_and_withdraws_the_case(
    client, cast, case, mia, time_machine
):
    refer_to_la(case, on=WEEK[-1], reason_no_nti="Support declined", by=cast.arthur,
                now=london(12, 0, WEEK[-1]))  # fmt: skip
    hospital_letter(cast)
    time_machine.move_to(london(10, 0, D(2026, 11, 10)))
    client.force_login(cast.arthur)
    url = reverse("penalties:case_detail", args=[case.id])
    page = client.get(url).content.decode()
    assert "<strong>The threshold is no longer met</strong>: 8 of the case" in page
    assert "Mon 2 Nov 2026 AM: U→I by" in page and "Hospital letter: A&amp;E visit" in page
    assert 'name="la_told_on"' in page
    refused = client.post(
        reverse("penalties:case_penalty_notice", args=[case.id]),
        {"action": "notice", "parent": mia.id, "issued_on": "2026-11-10", "service": "hand"},
    )
    assert refused.status_code == 400
    assert "so a penalty notice cannot be recorded" in refused.content.decode()
    done = client.post(
        reverse("penalties:case_withdraw", args=[case.id]),
        {"action": "withdraw_case", "la_told_on": "2026-11-10"},
    )
    assert done.status_code == 302
    page = client.get(url).content.decode()
    assert "Breach withdrawn: marks amended (8 threshold sessions remain)" in page
    assert "The LA was told on 10 November 2026." in page
