"""The outbox sweep: a message row nobody delivered is handed over again, or
given up for a phone call once it can no longer go (absences/outbox.py)."""

import pytest
from django.urls import reverse

from absences import calling
from absences.models import ContactAttempt
from absences.outbox import sweep_outbox
from registers.services import close_due_registers
from tests import factories
from tests.registers.conftest import DAY, london

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued_for_poppy(cast, family, notify, django_capture_on_commit_callbacks):
    """Poppy's message written at 9:35, its hand-over to the broker lost."""
    factories.take_registers(cast, DAY)
    close_due_registers(cast.school, london(9, 20))
    with django_capture_on_commit_callbacks(execute=False):
        calling.run_first_day_calling(cast.school, london(9, 35))
    return ContactAttempt.objects.get(kind="first_day")


def test_a_lost_hand_over_is_made_again_after_the_grace(queued_for_poppy, notify, time_machine):
    attempt = queued_for_poppy
    time_machine.move_to(london(9, 36))
    assert sweep_outbox(london(9, 36)).handed_over == []  # the worker may be on its way
    time_machine.move_to(london(9, 38))
    assert sweep_outbox(london(9, 38)).handed_over == [attempt.id]
    attempt.refresh_from_db()
    assert attempt.status == "sent" and len(notify.delivered()) == 1
    assert sweep_outbox(london(9, 45)).handed_over == []  # sent: never again
    assert len(notify.delivered()) == 1


def test_a_failed_send_waits_for_its_own_retry(queued_for_poppy, notify, settings, time_machine):
    settings.NOTIFY_RETRY_SECONDS = 120
    attempt = queued_for_poppy
    notify.failures_to_give = 1
    assert calling.deliver(attempt.id, london(9, 36)) == "retry"
    time_machine.move_to(london(9, 39))
    assert sweep_outbox(london(9, 39)).handed_over == []  # retry due 9:38, grace to 9:40
    time_machine.move_to(london(9, 41))
    assert sweep_outbox(london(9, 41)).handed_over == [attempt.id]
    attempt.refresh_from_db()
    assert (attempt.status, attempt.tries) == ("sent", 2)


def test_at_the_end_of_calling_hours_it_says_not_sent_phone_instead(
    client, cast, queued_for_poppy, notify, time_machine
):
    attempt = queued_for_poppy
    ends = calling.calling_ends(cast.school, DAY)
    sweep = sweep_outbox(ends)
    assert sweep.phone_instead == [attempt.id] and sweep.handed_over == []
    attempt.refresh_from_db()
    assert attempt.status == "gave_up" and attempt.phone_instead
    assert attempt.error.startswith("Not sent: phone instead (calling hours ended at")
    assert calling.deliver(attempt.id, ends) == "done"  # a late copy sends nothing
    time_machine.move_to(ends)
    client.force_login(cast.olive)
    page = client.get(reverse("absences:calling_list")).content.decode()
    assert "Not sent: phone instead" in page
    assert "Not sent: phone instead" in client.get(reverse("absences:outbox")).content.decode()


def test_a_send_a_worker_died_in_is_never_resent(queued_for_poppy, notify):
    attempt = queued_for_poppy
    ContactAttempt.objects.filter(pk=attempt.pk).update(status="sending", updated_at=london(9, 36))
    assert sweep_outbox(london(9, 40)).phone_instead == []  # the worker may be waiting on Notify
    sweep = sweep_outbox(london(9, 42))
    assert sweep.phone_instead == [attempt.id] and sweep.handed_over == []
    attempt.refresh_from_db()
    assert attempt.phone_instead and attempt.error.startswith("Not known if sent: phone instead")
    assert calling.deliver(attempt.id, london(9, 43)) == "done"
    assert notify.received == []
