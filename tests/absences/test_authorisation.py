import pytest
from django.urls import reverse

from absences.models import AbsenceReport
from absences.services import decide_report, decide_unexplained, log_absence_report
from registers.models import Mark
from registers.services import MarkError, close_due_registers
from tests import factories
from tests.registers.conftest import DAY, london

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(cast):
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
    with pytest.raises(MarkError, match="not an authorised absence code"):
        decide_report(pending, authorise=True, code="O", note="", by=cast.helen, now=london(11))


def test_only_the_head_or_a_delegate_authorises(cast, pending):
    with pytest.raises(MarkError, match="Only the head"):
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
    page = client.get(reverse("authorisation_queue")).content.decode()
    assert "Illness" in page and "Mia" in page
    assert "Samuel Okafor" in page or "Sam Okafor" in page  # Sam's teacher marked him absent
    response = client.post(
        reverse("authorisation_queue"),
        {"report": pending.id, "decision": "authorise", "code": "I", "note": ""},
        follow=True,
    )
    assert "Decision recorded for Poppy Fairweather" in response.content.decode()


@pytest.mark.parametrize("who", ["olive", "alice", "gwen", "arthur"])
def test_the_queue_is_for_the_head_only(client, cast, who):
    client.force_login(getattr(cast, who))
    assert client.get(reverse("authorisation_queue")).status_code == 403


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
