"""First-day calling tells a family their child is missing only while it is
true: checked with the mark locked when the message is queued, and again at
the moment it is sent."""

import threading
import time

import pytest
from django.db import close_old_connections, connection, transaction
from django.urls import reverse

from absences import calling
from absences.models import ContactAttempt
from absences.services import log_absence_report
from registers.models import Mark
from registers.services import change_mark, close_due_registers, sign_in_late
from tests import factories
from tests.registers.conftest import DAY, london

pytestmark = pytest.mark.django_db


def queued_for_poppy(cast):
    """Registers taken (everyone absent) and closed; Poppy's message queued."""
    factories.take_registers(cast, DAY)
    close_due_registers(cast.school, london(9, 20))
    calling.run_first_day_calling(cast.school, london(9, 35))
    return ContactAttempt.objects.get(pupil=cast.poppy, kind="first_day")


def assert_withheld(attempt, notify, why):
    attempt.refresh_from_db()
    assert attempt.status == "gave_up" and attempt.withheld
    assert why in attempt.error
    assert notify.received == []


def make_pending(pupil, code):
    """A reported reason awaiting the head's decision."""
    with transaction.atomic():
        mark = Mark.objects.select_for_update().get(pupil=pupil, date=DAY, session="AM")
        change_mark(
            mark,
            code,
            by=None,
            now=london(9, 30),
            source=Mark.Source.ABSENCE,
            reason="Reported by phone",
            pending=True,
        )


def test_a_pupil_with_a_pending_reason_is_not_chased(cast, family, notify):
    factories.take_registers(cast, DAY)
    close_due_registers(cast.school, london(9, 20))
    make_pending(cast.poppy, "N")  # "other": the family told us, the head decides
    run = calling.run_first_day_calling(cast.school, london(9, 35))
    assert not ContactAttempt.objects.filter(pupil=cast.poppy).exists()
    assert cast.poppy not in [m.pupil for m in calling.unexplained_marks(cast.school, DAY)]
    assert run.messages == [] and run.to_phone == [cast.sam.id]


def test_a_message_is_not_sent_once_the_pupil_has_signed_in_late(cast, family, notify):
    attempt = queued_for_poppy(cast)
    sign_in_late(cast.poppy, london(9, 36), by=cast.olive, now=london(9, 36))
    assert calling.deliver(attempt.id, london(9, 37)) == "done"
    assert_withheld(attempt, notify, "the mark is now U")
    assert calling.deliver(attempt.id, london(9, 40)) == "done"  # and never later
    assert notify.received == []


def test_a_message_is_not_sent_once_the_family_has_called(cast, family, notify):
    attempt = queued_for_poppy(cast)
    log_absence_report(
        cast.poppy,
        reason="other",
        reporter_name="Mia",
        channel="phone",
        first_day=DAY,
        now=london(9, 36),
        by=cast.olive,
    )
    assert calling.deliver(attempt.id, london(9, 37)) == "done"
    assert_withheld(attempt, notify, "the family")


def test_a_message_is_not_sent_once_the_reason_is_pending(cast, family, notify):
    attempt = queued_for_poppy(cast)
    make_pending(cast.poppy, "M")
    assert calling.deliver(attempt.id, london(9, 37)) == "done"
    assert_withheld(attempt, notify, "pending a decision")


def test_a_retry_after_calling_hours_is_not_sent(cast, family, notify):
    attempt = queued_for_poppy(cast)
    notify.failures_to_give = 1
    assert calling.deliver(attempt.id, london(9, 36)) == "retry"
    assert calling.deliver(attempt.id, london(16, 5)) == "done"
    attempt.refresh_from_db()
    assert attempt.withheld and "calling hours" in attempt.error
    assert notify.delivered() == []


def test_the_social_workers_alert_is_checked_too(cast, family, notify):
    cast.poppy.looked_after = True
    cast.poppy.social_worker_email = "jo@la.example"
    cast.poppy.save()
    queued_for_poppy(cast)
    alert = ContactAttempt.objects.get(kind="social_worker")
    sign_in_late(cast.poppy, london(9, 36), by=cast.olive, now=london(9, 36))
    assert calling.deliver(alert.id, london(9, 37)) == "done"
    assert_withheld(alert, notify, "the mark is now U")


def test_a_withheld_message_says_so_in_the_outbox(client, cast, family, notify, time_machine):
    attempt = queued_for_poppy(cast)
    sign_in_late(cast.poppy, london(9, 36), by=cast.olive, now=london(9, 36))
    calling.deliver(attempt.id, london(9, 37))
    time_machine.move_to(london(9, 40))
    client.force_login(cast.olive)
    page = client.get(reverse("absences:outbox")).content.decode()
    assert "Not sent: the mark is now U" in page and "Failed" not in page


@pytest.mark.django_db(transaction=True)
def test_a_sign_in_that_lands_while_calling_runs_wins(cast, family):
    """The office signs Poppy in while the job is between reading its list and
    queueing: the job waits for the sign-in's lock, then sees the U."""
    factories.take_registers(cast, DAY)
    close_due_registers(cast.school, london(9, 20))
    locked, done = threading.Event(), threading.Event()
    result = {}

    def office():
        close_old_connections()
        try:
            with transaction.atomic():
                mark = Mark.objects.select_for_update().get(pupil=cast.poppy, session="AM")
                locked.set()
                time.sleep(1)  # the job reads its list (N) and waits on this row
                change_mark(
                    mark,
                    "L",
                    by=cast.olive,
                    now=london(9, 35),
                    source=Mark.Source.LATE_BOOK,
                    reason="Signed in late at 09:10",
                )
        finally:
            connection.close()
            done.set()

    def job():
        close_old_connections()
        try:
            locked.wait(5)
            result["run"] = calling.run_first_day_calling(cast.school, london(9, 35))
        finally:
            connection.close()

    threads = [threading.Thread(target=office), threading.Thread(target=job)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert done.is_set()
    assert not ContactAttempt.objects.filter(pupil=cast.poppy).exists()
    assert Mark.objects.get(pupil=cast.poppy, session="AM").code == "L"
    assert result["run"].messages == []
