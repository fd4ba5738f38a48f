import datetime as dt
import io

import pytest
from django.core import mail
from django.urls import reverse
from pypdf import PdfReader

from absences import letters
from absences.models import LeaveRequest
from absences.services import decide_leave_request, submit_leave_request
from attendance.errors import RuleError
from registers.models import Mark
from registers.services import (
    Entry,
    close_due_registers,
    prefill_planned_marks,
    take_register,
)
from tests.registers.conftest import london

pytestmark = pytest.mark.django_db
MON = dt.date(2027, 1, 11)


def request_for(cast, first=MON, last=MON + dt.timedelta(days=4), now=None, **kw):
    fields = dict(
        parent_names="Mia Fairweather",
        relationship="Mother",
        phone="07700 900111",
        email="mia@example.org",
        address="1 Orchard Way",
        siblings="Tom, Y6 at Oakfield",
        first_day=first,
        last_day=last,
        expected_return=last + dt.timedelta(days=3),
        purpose=LeaveRequest.Purpose.BEREAVEMENT,
        reason="Grandmother's funeral in Lagos",
        evidence_note="Death certificate",
        declaration=True,
    )
    fields.update(kw)
    return submit_leave_request(
        cast.poppy,
        now=now or london(10, 0, dt.date(2026, 11, 26)),
        via="office",
        by=cast.olive,
        **fields,
    )


def pdf_text(field) -> str:
    with field.open("rb") as f:
        return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(f.read())).pages)


def test_a_request_counts_school_days_and_flags_short_notice(cast):
    late = request_for(cast, now=london(10, 0, dt.date(2026, 12, 21)))  # 21 days ahead
    assert (late.total_days, late.short_notice, late.retrospective) == (5, True, False)
    early = request_for(cast, now=london(10, 0, dt.date(2026, 11, 26)))  # 46 days ahead
    assert not early.short_notice


def test_a_request_made_after_the_absence_began_is_retrospective(cast):
    leave = request_for(cast, first=dt.date(2026, 11, 23), last=dt.date(2026, 11, 24))
    assert leave.retrospective


def test_the_declaration_is_required(cast):
    with pytest.raises(RuleError, match="declaration"):
        request_for(cast, declaration=False)
    assert not LeaveRequest.objects.exists()


def test_part_granted_holiday_codes_c_then_g_when_absent(cast):
    leave = decide_leave_request(
        request_for(cast, purpose=LeaveRequest.Purpose.HOLIDAY, reason="Family reunion abroad"),
        granted_dates=[MON, MON + dt.timedelta(days=1)],
        reason="The reunion is exceptional; two days only",
        by=cast.helen,
        now=london(12, 0, dt.date(2026, 11, 27)),
    )
    assert leave.status == LeaveRequest.Status.PART_GRANTED
    assert leave.granted_dates == [MON, MON + dt.timedelta(days=1)]
    assert prefill_planned_marks(cast.school, MON, london(6, 30, MON)) == 2
    assert Mark.objects.get(pupil=cast.poppy, date=MON, session="AM").code == "C"
    wednesday = MON + dt.timedelta(days=2)
    assert prefill_planned_marks(cast.school, wednesday, london(6, 30, wednesday)) == 0
    # The teacher marks Poppy absent; at the close her N becomes G (holiday not granted).
    take_register(
        cast.hawthorn,
        wednesday,
        "AM",
        [Entry(cast.poppy.id, "N", 0)],
        by=cast.alice,
        now=london(9, 5, wednesday),
        as_teacher=True,
    )
    close_due_registers(cast.school, london(9, 20, wednesday))
    mark = Mark.objects.get(pupil=cast.poppy, date=wednesday, session="AM")
    assert mark.code == "G"
    assert mark.changes.last().reason == "Leave requested but not granted"


def test_the_decision_letter_is_a_readable_pdf_emailed_to_the_parents(cast, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    short = request_for(cast, now=london(10, 0, dt.date(2026, 12, 21)))
    leave = decide_leave_request(
        short,
        granted_dates=[],
        reason="Not exceptional.",
        by=cast.helen,
        now=london(12, 0, dt.date(2026, 12, 22)),
    )
    sent = letters.send_leave_decision(leave)
    assert sent == ["mia@example.org"]
    text = pdf_text(leave.letter)
    assert "Heartwood Primary School" in text
    assert "I am unable to grant this request" in text
    assert "Monday 11 January 2027" in text and "Not exceptional." in text
    assert "less than the 28 days' notice" in text
    assert mail.outbox[0].attachments[0][2] == "application/pdf"


def test_only_the_head_decides(client, cast):
    leave = request_for(cast)
    client.force_login(cast.olive)
    response = client.post(
        reverse("absences:leave_detail", args=[leave.id]),
        {"action": "decide", "granted_dates": [MON.isoformat()], "reason": "ok"},
    )
    assert response.status_code == 403
    leave.refresh_from_db()
    assert leave.status == LeaveRequest.Status.PENDING


def test_the_office_records_which_parent_took_the_holiday(client, cast, family):
    leave = decide_leave_request(
        request_for(cast), granted_dates=[], reason="No", by=cast.helen, now=london(12)
    )
    client.force_login(cast.olive)
    client.post(
        reverse("absences:leave_detail", args=[leave.id]),
        {"action": "holiday_taken_by", "contacts": [family[0].id]},
    )
    assert list(leave.holiday_taken_by.all()) == [family[0]]


def test_a_retrospective_decision_codes_the_days_already_missed_as_unauthorised(cast):
    first = dt.date(2026, 11, 23)
    leave = request_for(
        cast,
        first=first,
        last=first + dt.timedelta(days=1),
        now=london(10, 0, dt.date(2026, 11, 25)),
    )
    for day in (first, first + dt.timedelta(days=1)):
        close_due_registers(cast.school, london(13, 40, day))
    # Leave is granted only on an application made in advance: these days
    # cannot be granted, and a funeral not granted is O, not a holiday (G).
    decide_leave_request(
        leave,
        granted_dates=[],
        reason="The request came after the days had passed.",
        by=cast.helen,
        now=london(12, 0, dt.date(2026, 11, 26)),
    )
    codes = dict(Mark.objects.filter(pupil=cast.poppy, session="AM").values_list("date", "code"))
    assert codes == {first: "O", first + dt.timedelta(days=1): "O"}


def test_a_request_recorded_once_the_absence_began_cannot_be_granted_even_for_later_days(
    client, cast
):
    """Regulations 2024 (leave of absence): granted only on an application made
    in advance; domain.md: "A retrospective request can be recorded but not
    granted: the absence is unauthorised (G for a holiday)". A request made on
    the second day of a week away is not in advance for any of its days."""
    first = dt.date(2026, 11, 23)
    leave = request_for(
        cast,
        first=first,
        last=first + dt.timedelta(days=4),
        now=london(10, 0, first + dt.timedelta(days=1)),
        purpose=LeaveRequest.Purpose.HOLIDAY,
        reason="Family holiday booked",
    )
    assert leave.retrospective
    close_due_registers(cast.school, london(13, 40, first))
    with pytest.raises(RuleError, match="after the absence began on 23 November 2026"):
        decide_leave_request(
            leave,
            granted_dates=[first + dt.timedelta(days=3)],  # Thursday, still to come
            reason="Exceptional",
            by=cast.helen,
            now=london(12, 0, first + dt.timedelta(days=1)),
        )
    leave.refresh_from_db()
    assert leave.status == LeaveRequest.Status.PENDING and not leave.granted_dates
    client.force_login(cast.helen)
    page = client.get(reverse("absences:leave_detail", args=[leave.id])).content.decode()
    assert "after the absence began" in page  # why each day's box is not offered
    decide_leave_request(
        leave, granted_dates=[], reason="Made after the absence began.", by=cast.helen,
        now=london(12, 0, first + dt.timedelta(days=1)),
    )  # fmt: skip
    monday = Mark.objects.get(pupil=cast.poppy, date=first, session="AM")
    assert monday.code == "G"  # a holiday not granted
    assert monday.changes.count() == 2  # the close's N, then the decision


def test_the_request_form_asks_what_the_leave_is_for(client, cast):
    client.force_login(cast.olive)
    fields = {
        "parent_names": "Mia Fairweather",
        "relationship": "Mother",
        "first_day": "2027-01-11",
        "last_day": "2027-01-15",
        "expected_return": "2027-01-18",
        "reason": "Grandmother's funeral",
        "declaration": "on",
    }
    url = reverse("absences:leave_new", args=[cast.poppy.id])
    assert client.post(url, fields).status_code == 400
    assert not LeaveRequest.objects.exists()
    client.post(url, fields | {"purpose": "bereavement"})
    assert LeaveRequest.objects.get().purpose == LeaveRequest.Purpose.BEREAVEMENT
