import datetime as dt

import pytest
from django.urls import reverse

from absences import calling
from absences.models import AbsenceReport, ContactAttempt, FollowUpTask
from absences.services import log_absence_report
from registers.services import close_due_registers
from tests import factories
from tests.registers.conftest import DAY, london

pytestmark = pytest.mark.django_db


def close(cast, day=DAY):
    """The teachers take the AM registers (everyone absent), then they close."""
    factories.take_registers(cast, day)
    close_due_registers(cast.school, london(9, 20, day))


def test_nothing_happens_before_the_register_closes_plus_the_delay(cast, family):
    close(cast)
    assert calling.run_first_day_calling(cast.school, london(9, 34)).messages == []
    assert not ContactAttempt.objects.exists()


def test_the_first_contact_with_parental_responsibility_gets_one_message(cast, family, notify):
    close(cast)
    run = calling.run_first_day_calling(cast.school, london(9, 35))
    attempt = ContactAttempt.objects.get(pupil=cast.poppy)
    assert run.messages == [attempt.id]
    assert (attempt.channel, attempt.recipient, attempt.contact) == (
        "sms",
        "07700 900111",
        family[0],
    )
    assert "Poppy is not in school today" in attempt.message
    # Sam has no contacts on record: he is left for a phone call.
    assert run.to_phone == [cast.sam.id]
    again = calling.run_first_day_calling(cast.school, london(9, 40))
    assert again.messages == []
    assert ContactAttempt.objects.count() == 1


def test_without_notify_the_message_goes_by_email(cast, family, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    close(cast)
    calling.run_first_day_calling(cast.school, london(9, 35))
    attempt = ContactAttempt.objects.get(pupil=cast.poppy)
    assert (attempt.channel, attempt.recipient) == ("email", "mia@example.org")
    assert calling.deliver(attempt.id, london(9, 35)) == "sent"
    from django.core import mail

    assert mail.outbox[0].to == ["mia@example.org"]
    assert calling.deliver(attempt.id, london(9, 36)) == "done"  # never twice
    assert len(mail.outbox) == 1


def test_a_reported_absence_is_not_chased(cast, family):
    log_absence_report(
        cast.poppy,
        reason="other",
        reporter_name="Mia",
        channel="phone",
        first_day=DAY,
        now=london(8, 0),
        by=cast.olive,
    )
    close(cast)
    calling.run_first_day_calling(cast.school, london(9, 35))
    assert not ContactAttempt.objects.filter(pupil=cast.poppy).exists()


def test_vulnerable_pupils_come_first_and_their_social_worker_is_told(cast, family):
    cast.sam.has_social_worker = True
    cast.sam.social_worker_name = "Jo Adeyemi"
    cast.sam.social_worker_email = "jo@la.example"
    cast.sam.save()
    close(cast)
    assert [m.pupil for m in calling.unexplained_marks(cast.school, DAY)] == [cast.sam, cast.poppy]
    calling.run_first_day_calling(cast.school, london(9, 35))
    alert = ContactAttempt.objects.get(kind="social_worker")
    assert alert.recipient == "jo@la.example"
    assert "Samuel Okafor" in alert.message and "no explanation" in alert.message


def test_a_transient_notify_failure_is_retried_and_a_permanent_one_is_shown(cast, family, notify):
    close(cast)
    calling.run_first_day_calling(cast.school, london(9, 35))
    attempt = ContactAttempt.objects.get(pupil=cast.poppy)
    notify.failures_to_give = 1
    assert calling.deliver(attempt.id, london(9, 35)) == "retry"
    attempt.refresh_from_db()
    assert attempt.status == "failed" and "500" in attempt.error
    assert calling.deliver(attempt.id, london(9, 37)) == "sent"
    attempt.refresh_from_db()
    assert (attempt.status, attempt.tries) == ("sent", 2)
    assert len(notify.delivered()) == 1 and notify.delivered()[0]["authorised"]


def test_a_message_whose_delivery_was_interrupted_is_never_resent(cast, family, notify):
    close(cast)
    calling.run_first_day_calling(cast.school, london(9, 35))
    ContactAttempt.objects.update(status="sending")  # a worker died mid-send
    assert calling.deliver(ContactAttempt.objects.get().id, london(9, 40)) == "done"
    assert notify.received == []


def test_day_three_brings_a_letter_and_a_home_visit_and_day_ten_a_cme_referral(
    cast, family, notify
):
    start = dt.date(2026, 11, 12)
    days = [start + dt.timedelta(days=i) for i in range(15)]
    school_days = [d for d in days if d.weekday() < 5][:10]
    for n, day in enumerate(school_days, start=1):
        close(cast, day)
        calling.run_first_day_calling(cast.school, london(10, 0, day))
        visits = FollowUpTask.objects.filter(pupil=cast.poppy, kind="home_visit")
        assert visits.count() == (1 if n >= 3 else 0), n
        cme = FollowUpTask.objects.filter(pupil=cast.poppy, kind="cme")
        assert cme.count() == (1 if n >= 10 else 0), n
    visit = FollowUpTask.objects.get(pupil=cast.poppy, kind="home_visit")
    assert visit.letter.name.endswith(".pdf")
    referral = FollowUpTask.objects.get(pupil=cast.poppy, kind="cme")
    assert cast.poppy.upn in referral.details and "10 school days" in referral.details
    # One automatic message a day, every day.
    assert ContactAttempt.objects.filter(pupil=cast.poppy, kind="first_day").count() == 10


def test_the_office_records_a_call_that_explains_the_absence(client, cast, family, time_machine):
    close(cast)
    time_machine.move_to(london(10, 0))
    client.force_login(cast.olive)
    page = client.get(reverse("absences:calling_list")).content.decode()
    assert "Poppy Fairweather" in page and "07700 900111" in page
    client.post(
        reverse("absences:calling_list"),
        {
            "pupil": cast.poppy.id,
            "contact": family[0].id,
            "outcome": "answered",
            "reason": "illness",
            "notes": "Temperature overnight",
        },
    )
    call = ContactAttempt.objects.get(kind="phone_call")
    assert (call.status, call.made_by) == ("answered", cast.olive)
    assert AbsenceReport.objects.get().channel == "call_back"
    page = client.get(reverse("absences:calling_list")).content.decode()
    assert f'name="pupil" value="{cast.poppy.id}"' not in page  # off the list: explained


def test_a_reason_from_an_unanswered_call_is_refused(client, cast, family, time_machine):
    close(cast)
    time_machine.move_to(london(10, 0))
    client.force_login(cast.olive)
    response = client.post(
        reverse("absences:calling_list"),
        {
            "pupil": cast.poppy.id,
            "contact": family[0].id,
            "outcome": "no_answer",
            "reason": "illness",
        },
    )
    assert response.status_code == 400
    assert not ContactAttempt.objects.exists() and not AbsenceReport.objects.exists()


def test_staff_can_refer_to_the_la_before_the_tenth_day(client, cast, family, time_machine):
    close(cast)
    time_machine.move_to(london(11, 0))
    client.force_login(cast.olive)
    url = reverse("absences:cme_referral", args=[cast.poppy.id])
    reason = {"early_reason": "Mum's phone is dead and the family were due to move"}
    client.post(url, reason)
    client.post(url, reason)
    task = FollowUpTask.objects.get(kind="cme")
    assert "(1 school day)" in task.details and task.due == DAY
