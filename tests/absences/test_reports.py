import datetime as dt

import pytest
from django.urls import reverse

from absences.models import AbsenceReport
from absences.services import log_absence_report
from registers.models import Mark
from registers.services import MarkError, close_due_registers, prefill_planned_marks, write_mark
from tests.registers.conftest import DAY, london

pytestmark = pytest.mark.django_db


def report(cast, **kw):
    args = dict(
        reason="illness",
        reporter_name="Mia (mum)",
        channel="phone",
        first_day=DAY,
        now=london(8, 20),
        by=cast.olive,
    )
    args.update(kw)
    return log_absence_report(cast.poppy, **args)


def test_a_report_before_the_register_prefills_the_code_pending_authorisation(cast):
    r = report(cast, details="Sickness bug")
    marks = Mark.objects.filter(pupil=cast.poppy, date=DAY)
    assert {(m.session, m.code) for m in marks} == {("AM", "I"), ("PM", "I")}
    assert "pending authorisation" in marks.first().note
    assert r.status == AbsenceReport.Status.PENDING


def test_the_teacher_sees_the_report_locked_on_the_register(client, cast, time_machine):
    report(cast)
    time_machine.move_to(london(9, 1))
    client.force_login(cast.alice)
    page = client.get(
        reverse("register", args=[cast.hawthorn.id, DAY.isoformat(), "AM"])
    ).content.decode()
    assert "Illness reported by Mia (mum) (pending authorisation)" in page
    assert f'name="code_{cast.poppy.id}"' not in page


def test_a_report_after_close_replaces_the_n_as_an_amendment(cast):
    close_due_registers(cast.school, london(9, 20))
    report(cast, now=london(9, 45))
    mark = Mark.objects.get(pupil=cast.poppy, date=DAY, session="AM")
    assert mark.code == "I"
    assert list(mark.changes.values_list("old_code", "new_code")) == [("", "N"), ("N", "I")]


def test_a_pupil_who_came_in_keeps_their_present_mark(cast):
    write_mark(cast.poppy, DAY, "AM", "/", by=cast.alice, now=london(9, 2), source="register")
    report(cast, now=london(10, 0))
    assert Mark.objects.get(pupil=cast.poppy, date=DAY, session="AM").code == "/"


def test_later_days_are_prefilled_each_morning(cast):
    report(cast, expected_return=DAY + dt.timedelta(days=4))  # back Monday
    friday = DAY + dt.timedelta(days=1)
    assert not Mark.objects.filter(date=friday).exists()
    assert prefill_planned_marks(cast.school, friday, london(6, 30, friday)) == 2
    assert prefill_planned_marks(cast.school, friday, london(7, 0, friday)) == 0
    assert set(Mark.objects.filter(date=friday).values_list("code", flat=True)) == {"I"}
    monday = DAY + dt.timedelta(days=4)
    assert prefill_planned_marks(cast.school, monday, london(6, 30, monday)) == 0


def test_an_other_reason_leaves_n_for_the_head(cast):
    report(cast, reason="other", details="Family reasons")
    assert set(Mark.objects.filter(pupil=cast.poppy).values_list("code", flat=True)) == {"N"}


def test_the_office_logs_a_call_in_one_form(client, cast, family, time_machine):
    time_machine.move_to(london(8, 25))
    client.force_login(cast.olive)
    url = reverse("log_report")
    assert "Poppy Fairweather" in client.get(url, {"q": "poppy"}).content.decode()
    response = client.post(
        url,
        {
            "pupil": cast.poppy.id,
            "reporter_name": "Mia Fairweather",
            "contact": family[0].id,
            "channel": "voicemail",
            "reason": "medical",
            "details": "Dentist 10:00",
            "first_day": DAY.isoformat(),
        },
        follow=True,
    )
    assert "Absence logged for Poppy Fairweather: medical or dental appointment, code M" in (
        response.content.decode()
    )
    r = AbsenceReport.objects.get()
    assert (r.channel, r.contact, r.logged_by) == ("voicemail", family[0], cast.olive)


def test_a_bad_report_shows_the_field_error_and_saves_nothing(client, cast, time_machine):
    time_machine.move_to(london(8, 25))
    client.force_login(cast.olive)
    response = client.post(
        reverse("log_report"),
        {
            "pupil": cast.poppy.id,
            "reporter_name": "Mia",
            "channel": "phone",
            "reason": "illness",
            "first_day": DAY.isoformat(),
            "expected_return": DAY.isoformat(),
        },
    )
    assert response.status_code == 400
    assert "The expected return must be after the first day." in response.content.decode()
    assert not AbsenceReport.objects.exists() and not Mark.objects.exists()


def test_reports_older_than_a_month_are_refused(cast):
    with pytest.raises(MarkError, match="more than a month old"):
        report(cast, first_day=DAY - dt.timedelta(days=40))


@pytest.mark.parametrize("who", ["alice", "gwen"])
def test_teachers_and_governors_cannot_log_reports(client, cast, who):
    client.force_login(getattr(cast, who))
    assert client.get(reverse("log_report")).status_code == 403
