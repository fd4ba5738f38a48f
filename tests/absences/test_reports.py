import datetime as dt

import pytest
from django.urls import reverse

from absences import calling
from absences.models import AbsenceReport, ContactAttempt
from absences.services import ReportError, log_absence_report
from attendance.errors import RuleError
from registers.models import Mark
from registers.services import close_due_registers, prefill_planned_marks, write_mark
from registers.statistics import figures_by_pupil
from tests import factories
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
    r = report(cast, reason="medical", details="Dentist")
    marks = Mark.objects.filter(pupil=cast.poppy, date=DAY)
    assert {(m.session, m.code, m.pending) for m in marks} == {("AM", "M", True), ("PM", "M", True)}
    assert {m.counted_code for m in marks} == {"N"}
    assert "pending authorisation" in marks.first().note
    assert r.status == AbsenceReport.Status.PENDING


def test_the_teacher_sees_the_report_locked_on_the_register(client, cast, time_machine):
    report(cast, reason="medical")
    time_machine.move_to(london(9, 1))
    client.force_login(cast.alice)
    page = client.get(
        reverse("registers:register", args=[cast.hawthorn.id, DAY.isoformat(), "AM"])
    ).content.decode()
    assert "Medical or dental appointment reported by Mia (mum) (pending authorisation)" in page
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
    url = reverse("absences:log_report")
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
        reverse("absences:log_report"),
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
    with pytest.raises(RuleError, match="at most 5 school days back"):
        report(cast, first_day=DAY - dt.timedelta(days=40))


@pytest.mark.parametrize("who", ["alice", "gwen"])
def test_teachers_and_governors_cannot_log_reports(client, cast, who):
    client.force_login(getattr(cast, who))
    assert client.get(reverse("absences:log_report")).status_code == 403


# Bounds: while a report lasts the child is off first-day calling, so it
# cannot run on (or start) far away.

FRIDAY, MONDAY = DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=4)


def test_a_report_ending_in_2030_is_refused_and_nothing_is_saved(cast):
    with pytest.raises(ReportError, match="covers at most 10 school days") as refused:
        report(cast, expected_return=dt.date(2030, 1, 7))
    assert refused.value.field == "expected_return"
    assert not AbsenceReport.objects.exists() and not Mark.objects.exists()


def test_a_report_starting_in_2099_is_refused(cast):
    with pytest.raises(ReportError, match="at most 20 school days ahead") as refused:
        report(cast, first_day=dt.date(2099, 1, 5))
    assert refused.value.field == "first_day"
    assert not AbsenceReport.objects.exists()


def test_a_report_starts_at_most_five_school_days_back(cast):
    # Thursday 26 November: five school days back is Thursday 19 November.
    with pytest.raises(ReportError, match="on Thursday 19 November 2026 at the earliest"):
        report(cast, first_day=dt.date(2026, 11, 18))
    assert report(cast, first_day=dt.date(2026, 11, 19), expected_return=DAY)


def test_a_report_starts_at_most_twenty_school_days_ahead(cast):
    # The Christmas holiday is not school days: the twentieth is after it.
    with pytest.raises(ReportError, match="Thursday 7 January 2027 at the latest"):
        report(cast, first_day=dt.date(2027, 1, 8))
    assert report(cast, reason="medical", first_day=dt.date(2027, 1, 7))


def test_an_expected_return_beyond_ten_school_days_must_be_renewed(cast):
    with pytest.raises(ReportError, match="the school office renews the report") as refused:
        report(cast, expected_return=dt.date(2026, 12, 11))
    assert "on or before Thursday 10 December 2026" in str(refused.value)
    assert report(cast, expected_return=dt.date(2026, 12, 10))


def test_the_school_sets_the_bounds(cast):
    cast.school.report_return_school_days = 3
    cast.school.save()
    with pytest.raises(ReportError, match="covers at most 3 school days"):
        report(cast, expected_return=dt.date(2026, 12, 2))
    assert report(cast, expected_return=dt.date(2026, 12, 1))


def test_the_office_sees_the_bound_on_the_field_and_nothing_is_saved(client, cast, time_machine):
    time_machine.move_to(london(8, 25))
    client.force_login(cast.olive)
    response = client.post(
        reverse("absences:log_report"),
        {
            "pupil": cast.poppy.id,
            "reporter_name": "Mia",
            "channel": "phone",
            "reason": "illness",
            "first_day": DAY.isoformat(),
            "expected_return": "2030-01-07",
        },
    )
    assert response.status_code == 400
    assert "expected_return" in response.context["form"].errors
    assert "the school office renews the report then" in response.content.decode()
    assert not AbsenceReport.objects.exists() and not Mark.objects.exists()


def test_a_parent_sees_the_bound_too(client, cast, family, time_machine):
    from absences.services import create_parent_link

    _, token = create_parent_link(family[0], by=cast.olive, now=london(8, 0))
    time_machine.move_to(london(8, 5))
    response = client.post(
        reverse("parents:parent_report", args=[token]),
        {
            "pupil": cast.poppy.id,
            "reporter_name": "Mia Fairweather",
            "reason": "illness",
            "first_day": "2099-01-05",
        },
    )
    assert response.status_code == 400
    assert "first_day" in response.context["form"].errors
    assert not AbsenceReport.objects.exists()


def test_a_call_answered_with_a_reason_out_of_bounds_saves_nothing(
    client, cast, family, time_machine
):
    time_machine.move_to(london(9, 40))
    client.force_login(cast.olive)
    response = client.post(
        reverse("absences:calling_list"),
        {
            "pupil": cast.poppy.id,
            "contact": family[0].id,
            "outcome": "answered",
            "reason": "illness",
            "expected_return": "2030-01-07",
        },
    )
    assert response.status_code == 400
    assert "covers at most 10 school days" in response.content.decode()
    assert not ContactAttempt.objects.exists() and not AbsenceReport.objects.exists()


def test_the_child_is_back_on_the_calling_list_when_expected_back(cast):
    report(cast, reason="medical", expected_return=MONDAY)
    for day in (FRIDAY, MONDAY):
        prefill_planned_marks(cast.school, day, london(6, 30, day))
        factories.take_registers(cast, day)
        close_due_registers(cast.school, london(9, 20, day))
    # Friday is the report's last day; Monday, the expected return, is not covered.
    assert cast.poppy not in [m.pupil for m in calling.unexplained_marks(cast.school, FRIDAY)]
    assert Mark.objects.get(pupil=cast.poppy, date=FRIDAY, session="AM").pending
    assert cast.poppy in [m.pupil for m in calling.unexplained_marks(cast.school, MONDAY)]


# Pending until decided, except what the school authorises by policy.


def test_a_pending_mark_counts_as_n_in_the_figures(cast):
    report(cast, reason="medical")
    figures = figures_by_pupil([cast.poppy.id], DAY, DAY)[cast.poppy.id]
    assert (figures.possible, figures.authorised, figures.unauthorised) == (2, 0, 2)


def test_illness_is_authorised_on_report_under_the_schools_policy(cast):
    r = report(cast)
    assert (r.status, r.decided_code, r.decided_by) == (AbsenceReport.Status.AUTHORISED, "I", None)
    policy = "Authorised on report under the school's attendance policy (illness)"
    assert r.decision_note == policy
    marks = Mark.objects.filter(pupil=cast.poppy, date=DAY)
    assert {(m.code, m.pending) for m in marks} == {("I", False)}
    assert {m.changes.get().reason for m in marks} == {policy}
    figures = figures_by_pupil([cast.poppy.id], DAY, DAY)[cast.poppy.id]
    assert (figures.authorised, figures.unauthorised) == (2, 0)


def test_later_days_of_a_policy_report_are_prefilled_as_decided(cast):
    report(cast, expected_return=MONDAY)
    prefill_planned_marks(cast.school, FRIDAY, london(6, 30, FRIDAY))
    mark = Mark.objects.get(pupil=cast.poppy, date=FRIDAY, session="AM")
    assert (mark.code, mark.pending) == ("I", False)
    assert "attendance policy" in mark.changes.get().reason


def test_a_school_without_the_policy_leaves_illness_for_the_head(cast):
    cast.school.authorised_on_report = []
    cast.school.save()
    r = report(cast)
    assert r.status == AbsenceReport.Status.PENDING
    assert set(Mark.objects.values_list("code", "pending")) == {("I", True)}


def test_the_office_is_told_the_policy_decided_it(client, cast, time_machine):
    time_machine.move_to(london(8, 25))
    client.force_login(cast.olive)
    response = client.post(
        reverse("absences:log_report"),
        {
            "pupil": cast.poppy.id,
            "reporter_name": "Mia",
            "channel": "phone",
            "reason": "illness",
            "first_day": DAY.isoformat(),
        },
        follow=True,
    )
    assert "code I authorised under the school&#x27;s attendance policy" in (
        response.content.decode()
    )
