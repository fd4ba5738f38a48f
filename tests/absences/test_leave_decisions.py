"""The head grants leave by ticking the school days of the request, not by a count."""

import datetime as dt
import re
from dataclasses import asdict

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.template.loader import render_to_string
from django.urls import reverse

from absences import letters
from absences.models import LeaveRequest
from absences.services import decide_leave_request
from attendance.errors import RuleError
from registers.models import Mark
from registers.services import (
    Entry,
    close_due_registers,
    prefill_planned_marks,
    take_register,
)
from tests.absences.test_leave import MON, pdf_text, request_for
from tests.registers.conftest import london

pytestmark = pytest.mark.django_db
TUE, WED, THU, FRI = (MON + dt.timedelta(days=n) for n in range(1, 5))
DECIDED = london(12, 0, dt.date(2026, 11, 27))


def decide(client, leave, granted, reason="Exceptional: the funeral and travel.", **extra):
    return client.post(
        reverse("absences:leave_detail", args=[leave.id]),
        {
            "action": "decide",
            "granted_dates": [d if isinstance(d, str) else d.isoformat() for d in granted],
            "purpose": leave.purpose,
            "reason": reason,
            **extra,
        },
    )


def code_when_absent(cast, day: dt.date) -> str:
    """Poppy's AM code on `day` when her teacher marks her absent (N) and the register closes."""
    prefill_planned_marks(cast.school, day, london(6, 30, day))
    if not Mark.objects.filter(pupil=cast.poppy, date=day, session="AM").exists():
        take_register(
            cast.hawthorn,
            day,
            "AM",
            [Entry(cast.poppy.id, "N", 0)],
            by=cast.alice,
            now=london(9, 5, day),
            as_teacher=True,
        )
    close_due_registers(cast.school, london(9, 20, day))
    return Mark.objects.get(pupil=cast.poppy, date=day, session="AM").code


@pytest.fixture
def head(client, cast, time_machine):
    time_machine.move_to(DECIDED)
    client.force_login(cast.helen)
    return client


def test_the_page_offers_each_school_day_of_the_request_and_no_other(head, cast):
    leave = request_for(cast, first=FRI, last=FRI + dt.timedelta(days=4))  # Fri to Tue
    page = head.get(reverse("absences:leave_detail", args=[leave.id])).content.decode()
    for day in ("2027-01-15", "2027-01-18", "2027-01-19"):
        assert f'value="{day}"' in page
    for weekend in ("2027-01-16", "2027-01-17"):
        assert f'value="{weekend}"' not in page
    assert "Friday 15 January 2027" in page


def test_ticking_some_days_grants_exactly_those(head, cast):
    leave = request_for(cast)
    response = decide(head, leave, [MON, WED])
    assert response.status_code == 302
    leave.refresh_from_db()
    assert leave.status == LeaveRequest.Status.PART_GRANTED
    assert (leave.granted_dates, leave.days_granted) == ([MON, WED], 2)
    # Granted days are C; a funeral's refused days are O (not a holiday) if she is absent.
    assert [code_when_absent(cast, day) for day in (MON, TUE, WED, THU)] == ["C", "O", "C", "O"]


def test_ticking_every_day_grants_the_request_in_full(head, cast):
    leave = request_for(cast)
    decide(head, leave, [MON, TUE, WED, THU, FRI])
    leave.refresh_from_db()
    assert leave.status == LeaveRequest.Status.GRANTED
    assert leave.granted_dates == [MON, TUE, WED, THU, FRI]


def test_ticking_no_day_refuses_and_a_refused_holiday_is_g(head, cast):
    leave = request_for(cast, purpose=LeaveRequest.Purpose.HOLIDAY, reason="Skiing")
    response = decide(head, leave, [], reason="A holiday is not an exceptional circumstance.")
    assert response.status_code == 302
    leave.refresh_from_db()
    assert (leave.status, leave.granted_dates) == (LeaveRequest.Status.DECLINED, [])
    assert code_when_absent(cast, TUE) == "G"


def test_the_head_decides_what_the_leave_is_for(head, cast):
    leave = request_for(cast, purpose=LeaveRequest.Purpose.FAMILY_EVENT, reason="A week in Spain")
    decide(head, leave, [], purpose=LeaveRequest.Purpose.HOLIDAY, reason="This is a holiday.")
    leave.refresh_from_db()
    assert leave.purpose == LeaveRequest.Purpose.HOLIDAY
    assert code_when_absent(cast, MON) == "G"


def test_a_forged_date_outside_the_request_is_refused_and_nothing_is_saved(head, cast):
    leave = request_for(cast)
    response = decide(head, leave, [MON, "2027-01-18"])
    assert response.status_code == 400
    assert "Monday 18 January 2027 is not one of the days asked for" in response.content.decode()
    leave.refresh_from_db()
    assert (leave.status, leave.granted_dates, bool(leave.letter)) == ("pending", [], False)
    assert mail.outbox == []


def test_a_day_that_is_not_a_school_day_is_refused(head, cast):
    leave = request_for(cast, first=FRI, last=FRI + dt.timedelta(days=4))
    response = decide(head, leave, ["2027-01-16"])
    assert response.status_code == 400
    assert "Saturday 16 January 2027 is not a school day." in response.content.decode()
    assert LeaveRequest.objects.get().status == LeaveRequest.Status.PENDING


def test_a_value_that_is_not_a_date_is_a_field_error(head, cast):
    leave = request_for(cast)
    response = decide(head, leave, ["next week"])
    assert response.status_code == 400
    assert "is not a date" in response.content.decode()


def test_a_decision_needs_a_reason(head, cast):
    leave = request_for(cast)
    response = decide(head, leave, [MON], reason="  ")
    assert response.status_code == 400
    assert "Give the reason for the decision" in response.content.decode()
    assert LeaveRequest.objects.get().status == LeaveRequest.Status.PENDING


def test_no_day_of_a_request_made_once_the_absence_began_can_be_granted(head, cast):
    """Regulations 2024: leave only on an application made in advance. Asked
    on Wednesday 25 November for Monday 23 to Friday 27 November, the request
    is retrospective: not even Thursday, still to come, can be granted."""
    first = dt.date(2026, 11, 23)
    leave = request_for(
        cast,
        first=first,
        last=first + dt.timedelta(days=4),
        now=london(10, 0, first + dt.timedelta(days=2)),
    )
    page = head.get(reverse("absences:leave_detail", args=[leave.id])).content.decode()
    assert re.search(r'value="2026-11-25"[^>]*disabled', page)
    assert re.search(r'value="2026-11-26"[^>]*disabled', page)
    response = decide(head, leave, [first + dt.timedelta(days=3)])
    assert response.status_code == 400
    assert "application made in advance" in response.content.decode()
    with pytest.raises(RuleError, match="application made in advance"):
        decide_leave_request(leave, granted_dates=[first], reason="x", by=cast.helen, now=DECIDED)
    leave = decide_leave_request(
        leave, granted_dates=[], reason="Asked for after it began", by=cast.helen, now=DECIDED
    )
    assert leave.status == LeaveRequest.Status.DECLINED


def test_someone_who_may_not_authorise_absence_cannot_decide(client, cast, time_machine):
    time_machine.move_to(DECIDED)
    # The attendance officer given leave decisions, but not authorisation.
    cast.arthur.user_permissions.add(Permission.objects.get(codename="decide_leave"))
    assert not cast.arthur.has_perm("attendance.authorise_absence")
    leave = request_for(cast)
    client.force_login(cast.arthur)
    assert decide(client, leave, [MON]).status_code == 403
    with pytest.raises(RuleError, match="Only the head"):
        decide_leave_request(leave, granted_dates=[MON], reason="ok", by=cast.arthur, now=DECIDED)
    assert LeaveRequest.objects.get().status == LeaveRequest.Status.PENDING


def test_the_letter_names_the_days_granted_and_refused(head, cast):
    leave = request_for(cast)
    decide(head, leave, [MON, TUE])
    leave.refresh_from_db()
    context = letters.leave_decision_context(leave)
    assert context.granted_days == ["Monday 11 January 2027", "Tuesday 12 January 2027"]
    assert context.refused_days == [
        "Wednesday 13 January 2027",
        "Thursday 14 January 2027",
        "Friday 15 January 2027",
    ]
    text = pdf_text(leave.letter)
    assert "I have granted leave of absence for 2 of the 5 school days" in text
    assert "Monday 11 January 2027" in text and "Friday 15 January 2027" in text
    assert "code O" in text and "Absent in other or unknown circumstances" in text
    # A grandmother's funeral is not a holiday.
    assert "because of a death in the family" in text
    assert "holiday" not in text.lower()


def test_a_refused_holiday_letter_speaks_of_a_holiday_and_g(cast):
    leave = decide_leave_request(
        request_for(cast, purpose=LeaveRequest.Purpose.HOLIDAY, reason="Cheaper flights"),
        granted_dates=[],
        reason="Not exceptional.",
        by=cast.helen,
        now=DECIDED,
    )
    letters.send_leave_decision(leave, email=False)
    text = pdf_text(leave.letter)
    assert "for a family holiday" in text
    assert "I am unable to grant this request" in text
    assert "code G" in text and "Holiday not granted by the school" in text


def test_the_letter_escapes_what_parents_wrote(cast):
    leave = decide_leave_request(
        request_for(cast, reason="<b>{{ school_name }}</b>"),
        granted_dates=[MON],
        reason="<i>ok</i>",
        by=cast.helen,
        now=DECIDED,
    )
    html = render_to_string(
        "letters/leave_decision.html", asdict(letters.leave_decision_context(leave))
    )
    assert "&lt;b&gt;{{ school_name }}&lt;/b&gt;" in html
    assert "&lt;i&gt;ok&lt;/i&gt;" in html
