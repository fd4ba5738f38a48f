import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from absences.authorisation import QueueRow, decide_queue, decide_report, decide_unexplained
from absences.models import AbsenceReport, LeaveRequest
from absences.services import log_absence_report
from attendance.errors import RuleError
from registers.models import Mark, MarkChange
from registers.services import MarkError, amend_mark, close_due_registers, write_mark
from tests import factories
from tests.registers.conftest import DAY, london

pytestmark = pytest.mark.django_db


def seen(row) -> dict:
    """What the queue page posts for a row: the versions of the marks it showed."""
    if isinstance(row, Mark):
        return {f"seen-mark-{row.id}": f"{row.id}.{row.version}"}
    marks = Mark.objects.filter(pupil=row.pupil, date__gte=row.first_day, date__lte=row.last_day)
    return {f"seen-report-{row.id}": " ".join(f"{m.id}.{m.version}" for m in marks)}


@pytest.fixture
def pending(cast):
    # This school authorises nothing on report: every reason waits for the head.
    cast.school.authorised_on_report = []
    cast.school.save()
    return log_absence_report(
        cast.poppy,
        reason="illness",
        reporter_name="Mia",
        channel="phone",
        first_day=DAY,
        now=london(8, 20),
        by=cast.olive,
    )


def test_the_head_authorises_a_report(cast, pending):
    decide_report(pending, authorise=True, code="I", note="", by=cast.helen, now=london(11))
    pending.refresh_from_db()
    assert (pending.status, pending.decided_by) == (AbsenceReport.Status.AUTHORISED, cast.helen)
    assert set(Mark.objects.values_list("code", flat=True)) == {"I"}


def test_refusing_a_report_turns_the_marks_unauthorised_with_history(cast, pending):
    decide_report(
        pending, authorise=False, code="O", note="Seen at the shops", by=cast.helen, now=london(11)
    )
    mark = Mark.objects.get(session="AM")
    assert mark.code == "O"
    last = mark.changes.last()
    assert (last.old_code, last.new_code, last.changed_by) == ("I", "O", cast.helen)
    assert "Not authorised by" in last.reason and "Seen at the shops" in last.reason


def test_an_authorised_decision_needs_an_authorised_code(cast, pending):
    with pytest.raises(RuleError, match="not an authorised absence code"):
        decide_report(pending, authorise=True, code="O", note="", by=cast.helen, now=london(11))


def test_only_the_head_or_a_delegate_authorises(cast, pending):
    with pytest.raises(RuleError, match="Only the head"):
        decide_report(pending, authorise=True, code="I", note="", by=cast.olive, now=london(11))
    from django.contrib.auth.models import Permission

    cast.arthur.user_permissions.add(Permission.objects.get(codename="authorise_absence"))
    cast.arthur = type(cast.arthur).objects.get(pk=cast.arthur.pk)  # fresh permission cache
    decide_report(
        pending, authorise=True, code="I", note="Delegated", by=cast.arthur, now=london(11)
    )


def test_the_head_converts_an_n_to_a_definitive_code(cast):
    factories.take_registers(cast, DAY)
    close_due_registers(cast.school, london(9, 20))
    n = Mark.objects.get(pupil=cast.poppy, session="AM")
    decide_unexplained(
        n,
        code="O",
        reason="No contact after three calls",
        by=cast.helen,
        now=london(15),
        seen_version=n.version,
    )
    n.refresh_from_db()
    assert n.code == "O"
    with pytest.raises(MarkError, match="not N"):  # decided already: an amendment now
        decide_unexplained(n, code="I", reason="x", by=cast.helen, now=london(15), seen_version=2)
    factories.take_registers(cast, DAY, "PM")
    close_due_registers(cast.school, london(13, 35))
    pm = Mark.objects.get(pupil=cast.poppy, session="PM")
    with pytest.raises(MarkError, match="changed while you were deciding"):
        decide_unexplained(pm, code="I", reason="x", by=cast.helen, now=london(15), seen_version=0)


def test_the_queue_lists_reports_and_ns_oldest_first(client, cast, pending, time_machine):
    time_machine.move_to(london(15))
    factories.take_registers(cast, DAY)
    close_due_registers(cast.school, london(9, 20))
    client.force_login(cast.helen)
    page = client.get(reverse("absences:authorisation_queue")).content.decode()
    assert "Illness" in page and "Mia" in page
    assert "Samuel Okafor" in page or "Sam Okafor" in page  # Sam's teacher marked him absent
    response = client.post(
        reverse("absences:authorisation_queue"),
        {"row": f"report-{pending.id}", **seen(pending), "decision": "authorise", "code": "I"},
        follow=True,
    )
    assert "Decision recorded for Poppy Fairweather" in response.content.decode()


@pytest.mark.parametrize("who", ["olive", "alice", "gwen", "arthur"])
def test_the_queue_is_for_the_head_only(client, cast, who):
    client.force_login(getattr(cast, who))
    assert client.get(reverse("absences:authorisation_queue")).status_code == 403


def test_a_later_report_never_overrides_the_heads_decision(cast, pending):
    decide_report(pending, authorise=False, code="O", note="Not ill", by=cast.helen, now=london(11))
    log_absence_report(
        cast.poppy,
        reason="illness",
        reporter_name="Mia",
        channel="online",
        first_day=DAY,
        now=london(15),
        contact=None,
    )
    assert set(Mark.objects.filter(pupil=cast.poppy).values_list("code", flat=True)) == {"O"}


def test_only_an_n_can_be_decided_from_the_queue(cast):
    from registers.services import write_mark

    present = write_mark(
        cast.poppy, DAY, "AM", "/", by=cast.alice, now=london(9, 5), source="register"
    )
    with pytest.raises(MarkError, match="not N"):
        decide_unexplained(
            present, code="O", reason="x", by=cast.helen, now=london(15), seen_version=1
        )


# Deciding without recoding by hand ------------------------------------------


def test_not_authorising_an_i_report_records_o_by_itself(cast, pending):
    decide_report(pending, authorise=False, note="Seen at the park", by=cast.helen, now=london(11))
    pending.refresh_from_db()
    assert (pending.status, pending.decided_code) == (AbsenceReport.Status.UNAUTHORISED, "O")
    assert set(Mark.objects.values_list("code", "pending")) == {("O", False)}


def holiday(pupil, day):
    """Leave the parents asked for as a holiday, not granted."""
    return LeaveRequest.objects.create(
        pupil=pupil,
        parent_names="Parent",
        relationship="Mother",
        first_day=day,
        last_day=day,
        total_days=1,
        expected_return=day + dt.timedelta(days=1),
        purpose=LeaveRequest.Purpose.HOLIDAY,
        reason="A week in the sun",
        declaration=True,
        submitted_via="office",
        submitted_at=london(8, 0, day - dt.timedelta(days=20)),
        status=LeaveRequest.Status.DECLINED,
    )


def test_not_authorising_a_holiday_records_g(cast, pending):
    holiday(cast.poppy, DAY)
    decide_report(pending, authorise=False, note="", by=cast.helen, now=london(11))
    assert set(Mark.objects.values_list("code", flat=True)) == {"G"}


def test_authorising_clears_pending_with_its_own_history_when_the_code_stays(cast, pending):
    decide_report(pending, authorise=True, note="Note seen", by=cast.helen, now=london(11))
    mark = Mark.objects.get(session="AM")
    assert (mark.code, mark.pending, mark.counted_code) == ("I", False, "I")
    last = mark.changes.last()
    assert (last.old_code, last.new_code, last.changed_by) == ("I", "I", cast.helen)
    assert last.reason == "Authorised by helen: Note seen"


def test_an_other_reason_needs_a_code_to_be_authorised(cast):
    other = log_absence_report(
        cast.poppy,
        reason="other",
        reporter_name="Mia",
        channel="phone",
        first_day=DAY,
        now=london(8, 20),
        by=cast.olive,
    )
    with pytest.raises(RuleError, match="Choose the code"):
        decide_report(other, authorise=True, note="", by=cast.helen, now=london(11))
    decide_report(other, authorise=True, code="C", note="Funeral", by=cast.helen, now=london(11))
    assert set(Mark.objects.values_list("code", "pending")) == {("C", False)}


def test_a_report_whose_mark_changed_meanwhile_is_not_overwritten(cast, pending):
    shown = {m.id: m.version for m in Mark.objects.all()}
    # She came in after all: the office signs her in late for the afternoon.
    pm = Mark.objects.get(session="PM")
    write_mark(
        cast.poppy, DAY, "PM", "L", by=cast.olive, now=london(13, 25), source="office",
        reason="Arrived after lunch", mark=pm, minutes_late=5,
    )  # fmt: skip
    with pytest.raises(MarkError, match="Poppy Fairweather's mark for Thu 26 Nov PM changed"):
        decide_report(
            pending, authorise=True, note="", by=cast.helen, now=london(15), seen_versions=shown
        )
    assert AbsenceReport.objects.get().status == AbsenceReport.Status.PENDING


# The queue page ---------------------------------------------------------------


@pytest.fixture
def ivy(cast):
    return factories.PupilFactory(
        school=cast.school,
        registration_group=cast.hawthorn,
        legal_first_name="Ivy",
        legal_surname="Ng",
    )


def rows(*marks) -> dict:
    body = {"row": [f"mark-{m.id}" for m in marks]}
    for m in marks:
        body.update(seen(m))
    return body


def test_the_head_decides_three_rows_at_once_with_one_reason(client, cast, ivy, time_machine):
    factories.take_registers(cast, DAY)
    close_due_registers(cast.school, london(9, 20))
    holiday(ivy, DAY)
    three = list(Mark.objects.filter(date=DAY, session="AM").order_by("pupil__legal_first_name"))
    assert [m.code for m in three] == ["N", "N", "N"]
    time_machine.move_to(london(15))
    client.force_login(cast.helen)
    response = client.post(
        reverse("absences:authorisation_queue"),
        {**rows(*three), "decision": "refuse", "code": "", "reason": "No contact after 3 calls"},
        follow=True,
    )
    page = response.content.decode()
    assert "Decision recorded for Ivy Ng, Poppy Fairweather, Sam Okafor" in page
    decided = {m.pupil.first_name: m for m in Mark.objects.filter(date=DAY, session="AM")}
    # Ivy's family asked for a holiday that was not granted: G, not O.
    assert {name: m.code for name, m in decided.items()} == {"Ivy": "G", "Poppy": "O", "Sam": "O"}
    for mark in decided.values():
        last = mark.changes.last()
        assert (last.old_code, last.reason, last.changed_by) == (
            "N",
            "No contact after 3 calls",
            cast.helen,
        )


def test_a_stale_row_refuses_the_whole_batch_naming_the_pupil(client, cast, ivy, time_machine):
    factories.take_registers(cast, DAY)
    close_due_registers(cast.school, london(9, 20))
    three = list(Mark.objects.filter(date=DAY, session="AM"))
    body = rows(*three)
    # While the head reads, the office records O for Sam by mistake and puts
    # the N back: the same code, but not the mark the head was shown.
    for code in ("O", "N"):
        amend_mark(cast.sam, DAY, "AM", code, by=cast.olive, now=london(10), reason="Slip")
    time_machine.move_to(london(15))
    client.force_login(cast.helen)
    response = client.post(
        reverse("absences:authorisation_queue"),
        {**body, "decision": "refuse", "reason": "No contact after 3 calls"},
    )
    assert response.status_code == 400
    assert "Sam Okafor&#x27;s mark changed while you were deciding" in response.content.decode()
    # All or nothing: nobody's mark changed, Poppy's and Ivy's included.
    assert set(Mark.objects.filter(session="AM").values_list("code", flat=True)) == {"N"}
    assert not MarkChange.objects.filter(changed_by=cast.helen).exists()


def test_rows_suggest_the_reported_reason_and_chase_for_an_n(client, cast, pending, time_machine):
    factories.take_registers(cast, DAY)
    close_due_registers(cast.school, london(9, 20))
    time_machine.move_to(london(10))
    client.force_login(cast.helen)
    page = client.get(reverse("absences:authorisation_queue")).content.decode()
    report_row = page.split(f'name="choice-report-{pending.id}"')[1].split("</select>")[0]
    assert '<option value="I" selected>Authorise: I</option>' in report_row
    sam = Mark.objects.get(pupil=cast.sam)
    n_row = page.split(f'name="choice-mark-{sam.id}"')[1].split("</select>")[0]
    assert '<option value="chase" selected>' in n_row
    assert "selected" not in n_row.split('value="chase" selected')[1]


def test_each_rows_own_choice_is_used_and_chased_rows_are_left(client, cast, pending, time_machine):
    factories.take_registers(cast, DAY)
    close_due_registers(cast.school, london(9, 20))
    sam = Mark.objects.get(pupil=cast.sam)
    time_machine.move_to(london(10))
    client.force_login(cast.helen)
    response = client.post(
        reverse("absences:authorisation_queue"),
        {
            "row": [f"report-{pending.id}", f"mark-{sam.id}"],
            **seen(pending),
            **seen(sam),
            f"choice-report-{pending.id}": "I",
            f"choice-mark-{sam.id}": "chase",
            "decision": "",
            "reason": "Mum's note",
        },
        follow=True,
    )
    assert "1 left to chase" in response.content.decode()
    assert set(Mark.objects.filter(pupil=cast.poppy).values_list("code", "pending")) == {
        ("I", False)
    }
    sam.refresh_from_db()
    assert (sam.code, sam.version) == ("N", 1)


def test_the_queue_filters_by_day_and_reason(client, cast, pending, time_machine):
    yesterday = DAY - dt.timedelta(days=1)
    factories.create_mark(
        pupil=cast.sam, date=yesterday, session="AM", code="N", entered_at=london(9, 20, yesterday)
    )
    factories.take_registers(cast, DAY)  # Sam absent today too
    time_machine.move_to(london(10))
    client.force_login(cast.helen)
    url = reverse("absences:authorisation_queue")

    def shown(**filters):
        page = client.get(url, filters).content.decode()
        return {
            "report": f'value="report-{pending.id}"' in page,
            "today": f"{DAY:%a} {DAY.day} {DAY:%b} AM" in page.split("No reason yet (N)")[1],
            "older": f"{yesterday:%a} {yesterday.day} {yesterday:%b} AM" in page,
        }

    assert shown() == {"report": True, "today": True, "older": True}
    assert shown(when="today") == {"report": True, "today": True, "older": False}
    assert shown(when="older") == {"report": False, "today": False, "older": True}
    assert shown(reason="illness") == {"report": True, "today": False, "older": False}
    assert shown(reason="none") == {"report": False, "today": True, "older": True}


def test_a_pending_mark_without_a_pending_report_is_in_the_queue(client, cast, time_machine):
    factories.create_mark(
        pupil=cast.sam, date=DAY, session="AM", code="M", pending=True, entered_at=london(9)
    )
    time_machine.move_to(london(10))
    client.force_login(cast.helen)
    page = client.get(reverse("absences:authorisation_queue")).content.decode()
    assert "Sam Okafor" in page and "M, pending a decision" in page


def test_only_the_head_or_a_delegate_decides_a_batch(cast, pending):
    row = QueueRow(report=pending)
    for user in (cast.olive, cast.arthur, cast.adam):
        with pytest.raises(RuleError, match="Only the head"):
            decide_queue([row], decision="authorise", code="", reason="", by=user, now=london(11))
    assert AbsenceReport.objects.get().status == AbsenceReport.Status.PENDING


def test_the_queue_page_does_not_grow_in_queries_with_its_rows(client, cast, time_machine):
    cast.school.authorised_on_report = []
    cast.school.save()

    def fill(count: int) -> None:
        pupils = [
            factories.PupilFactory(school=cast.school, registration_group=cast.hawthorn)
            for _ in range(count)
        ]
        factories.bulk_create_marks(
            [
                Mark(pupil=p, date=DAY, session="AM", code="N", entered_at=london(9, 20))
                for p in pupils[: count // 2]
            ]
        )
        for i, p in enumerate(pupils[count // 2 :]):
            log_absence_report(
                p,
                reason=["illness", "medical", "religious", "other"][i % 4],
                reporter_name="Parent",
                channel="phone",
                first_day=DAY,
                now=london(8, 30),
                by=cast.olive,
            )

    time_machine.move_to(london(10))
    client.force_login(cast.helen)
    url = reverse("absences:authorisation_queue")
    client.get(url)  # the session and permission caches, once
    fill(5)
    with CaptureQueriesContext(connection) as five:
        assert client.get(url).status_code == 200
    fill(45)
    with CaptureQueriesContext(connection) as fifty:
        page = client.get(url)
    assert page.content.decode().count('name="row"') == 50
    assert len(fifty) == len(five), (len(five), len(fifty))
